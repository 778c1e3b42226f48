//! The thin tokio layer: one listener per broker, one task per connection, and a ticker that
//! drives replication. All decisions are the model's ([`crate::cluster`], [`crate::api`]).

mod connection;
mod handle;
mod listener;

pub use handle::{
    ConnectionFaults, Controller, MockCluster, MockClusterBuilder, ServerStats, StartError,
};
