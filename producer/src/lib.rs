//! # kwire-producer
//!
//! An asynchronous Kafka producer built the way quinn-proto builds QUIC: the protocol logic is
//! a deterministic state machine that takes the current time as an argument and returns what
//! to send, and a thin tokio task does the IO.
//!
//! * Pure core, tested without sockets: [`config`] (Kafka's config names, Kafka 4.x
//!   defaults, validation), [`partitioner`] (Java-identical murmur2, uniform sticky
//!   partitioning, custom partitioners), the accumulator (batches closed by `batch.size` or
//!   `linger.ms`, `buffer.memory`, one batch per partition per request, grouped by leader),
//!   idempotence (producer id/epoch, sequences, epoch bumps as Kafka's Java client does them),
//!   retry decisions (exponential backoff with jitter, bounded by `delivery.timeout.ms`) and
//!   the engine that ties them together.
//! * Thin driver: one task per connection (ApiVersions handshake, SASL, pipelining) that hands
//!   each response to the engine and writes what it sends next, and one task for time.
//!
//! Every record handed to [`Producer::send`] or [`Producer::enqueue`] ends in exactly one
//! outcome: a [`RecordMetadata`] or a [`ProduceError`].
//!
//! ```no_run
//! use kwire_producer::{Producer, ProducerConfig, ProducerRecord};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ProducerConfig::builder()
//!     .bootstrap_servers("127.0.0.1:9092")
//!     .set("compression.type", "lz4")
//!     .build()?;
//! let producer = Producer::new(config)?;
//! let md = producer
//!     .send(ProducerRecord::new("orders", "{\"id\":1}").with_key("customer-7"))
//!     .await?;
//! println!("{}-{} offset {}", md.topic, md.partition, md.offset);
//! producer.close(std::time::Duration::from_secs(10)).await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod accumulator;
mod batch;
pub mod config;
mod connection;
mod delivery;
mod engine;
mod error;
mod idempotence;
mod metadata;
pub mod partitioner;
mod producer;
mod record;
mod retry;
pub mod security;
mod sender;
mod sequence;

pub use config::{Acks, Compression, ProducerConfig, ProducerConfigBuilder};
pub use delivery::DeliveryFuture;
pub use engine::ProducerMetrics;
pub use error::{ConfigError, ProduceError};
pub use kwire_protocol::ErrorCode;
pub use metadata::{BrokerAddr, Cluster, PartitionLeader, TopicInfo};
pub use partitioner::Partitioner;
pub use producer::Producer;
pub use record::{ProducerRecord, RecordHeader, RecordMetadata};
pub use security::{AuthError, SecurityConfig};
pub use sequence::ProducerIdAndEpoch;
