//! # kwire-mock
//!
//! A mock Kafka cluster that real clients cannot tell from Kafka on the producer path: several
//! brokers on loopback ports, partitions with a leader, replicas and an ISR, followers that lag
//! by a configurable time, acks=0/1/all with high-watermark semantics, `min.insync.replicas`,
//! leader failover that loses acks=1 writes exactly as Kafka does, idempotent-producer
//! deduplication, and fault injection.
//!
//! Layers, each importing only the ones above it in this list:
//! - [`cluster`]: the model, plain data driven by an explicit clock;
//! - [`api`]: requests in, outcomes out — one file per API, no IO;
//! - [`security`]: secured listeners — TLS and the SASL gate of each connection;
//! - [`server`]: the thin tokio layer — listeners, connections, the ticker;
//! - [`control`]: the [`Controller`] handle, the fault vocabulary, scenarios, the HTTP endpoint;
//! - [`MockCluster`]: the embedding API that starts the server and the control endpoint.

#![deny(missing_docs)]

pub mod api;
pub mod cluster;
pub mod control;
pub mod group;
mod mock_cluster;
pub mod security;
pub mod server;
#[cfg(test)]
pub(crate) mod test_util;

pub use cluster::{Cluster, ClusterConfig, FollowerLag, Injection, Scope, TopicSpec};
pub use control::scenario::Scenario;
pub use control::{Action, ControlError, Controller, State};
pub use mock_cluster::{MockCluster, MockClusterBuilder};
pub use security::{SaslUser, SecurityConfig, SecurityProtocol};
pub use server::{ConnectionFaults, ServerStats, StartError};
