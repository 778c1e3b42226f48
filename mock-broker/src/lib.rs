//! # kwire-mock
//!
//! A mock Kafka cluster that real clients cannot tell from Kafka on the producer path: several
//! brokers on loopback ports, partitions with a leader, replicas and an ISR, followers that lag
//! by a configurable time, acks=0/1/all with high-watermark semantics, `min.insync.replicas`,
//! leader failover that loses acks=1 writes exactly as Kafka does, idempotent-producer
//! deduplication, and fault injection.
//!
//! The [`cluster`] model is plain data driven by an explicit clock; [`api`] turns requests into
//! outcomes; the server (IO) is a thin tokio layer on top; [`control`] scripts faults from
//! Rust, scenario files and an HTTP/JSON endpoint.

pub mod api;
pub mod cluster;
pub mod control;
pub mod group;
pub mod server;
#[cfg(test)]
pub(crate) mod test_util;

pub use cluster::{Cluster, ClusterConfig, FollowerLag, Injection, Scope, TopicSpec};
pub use control::scenario::Scenario;
pub use control::{Action, ControlError, State};
pub use server::{
    ConnectionFaults, Controller, MockCluster, MockClusterBuilder, ServerStats, StartError,
};
