//! Typed errors: what went wrong with a record ([`ProduceError`]) or a configuration
//! ([`ConfigError`]).

use std::time::Duration;

use kwire_protocol::ErrorCode;

use crate::security::AuthError;

/// Why a record was not delivered. Every record sent ends either in a
/// [`RecordMetadata`](crate::RecordMetadata) or in exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProduceError {
    /// The partition leader answered with an error that is not retriable, or a retriable one
    /// after `retries` attempts.
    #[error("broker rejected the batch for {topic}-{partition}: {}{}", code.name(), message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Broker {
        /// Topic of the batch.
        topic: String,
        /// Partition of the batch.
        partition: i32,
        /// The error code the broker returned.
        code: ErrorCode,
        /// The broker's error message, if any.
        message: Option<String>,
    },
    /// `delivery.timeout.ms` passed before the record was acknowledged. If the batch had been
    /// sent, the broker may still have written it.
    #[error("record for {topic}-{partition} expired: {elapsed:?} since it was batched, delivery.timeout.ms exceeded{}", last_error.map(|e| format!(" (last error {})", e.name())).unwrap_or_default())]
    DeliveryTimeout {
        /// Topic of the record.
        topic: String,
        /// Partition of the record (−1 if none was chosen yet).
        partition: i32,
        /// Time since the record's batch was created.
        elapsed: Duration,
        /// The last error a broker returned for the batch, if any.
        last_error: Option<ErrorCode>,
    },
    /// `buffer.memory` stayed full for `max.block.ms`.
    #[error("buffer.memory ({buffer_memory} bytes) stayed full for max.block.ms ({max_block:?})")]
    BufferExhausted {
        /// The configured `buffer.memory`.
        buffer_memory: usize,
        /// The configured `max.block.ms`.
        max_block: Duration,
    },
    /// Metadata for the topic (its partition count) was not available within `max.block.ms`.
    #[error("topic {topic} not present in metadata after max.block.ms ({max_block:?}){}", last_error.map(|e| format!(": last error {}", e.name())).unwrap_or_default())]
    MetadataTimeout {
        /// The topic.
        topic: String,
        /// The configured `max.block.ms`.
        max_block: Duration,
        /// The last topic-level error metadata returned, e.g. `UNKNOWN_TOPIC_OR_PARTITION`.
        last_error: Option<ErrorCode>,
    },
    /// The record is larger than `max.request.size` or `buffer.memory`.
    #[error("record of {size} bytes is larger than {limit_name} ({limit} bytes)")]
    RecordTooLarge {
        /// Estimated encoded size of the record.
        size: usize,
        /// The limit it exceeds.
        limit: usize,
        /// The config that sets the limit.
        limit_name: &'static str,
    },
    /// The record names a partition the topic does not have.
    #[error("partition {partition} of topic {topic} does not exist (the topic has {partitions})")]
    InvalidPartition {
        /// The topic.
        topic: String,
        /// The requested partition.
        partition: i32,
        /// How many partitions the topic has.
        partitions: usize,
    },
    /// The record's topic name is not a valid Kafka topic name.
    #[error("invalid topic name {0:?}")]
    InvalidTopic(String),
    /// The producer was closed, or its close deadline passed, before the record was delivered.
    #[error("producer closed before the record was delivered")]
    Closed,
    /// The producer hit an error it cannot continue after (e.g. the cluster refused to give an
    /// idempotent producer id, or speaks no Produce version this client knows).
    #[error("producer failed: {0}")]
    Fatal(String),
    /// The record batch could not be encoded.
    #[error("could not encode the batch: {0}")]
    Encode(String),
    /// A broker refused the producer's credentials, or TLS could not trust a broker: not a
    /// transient failure, so the producer stops and every waiting record fails with it.
    #[error("authentication failed: {0}")]
    Authentication(AuthError),
}

impl ProduceError {
    /// The broker error code behind this error, if it came from a broker.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            ProduceError::Broker { code, .. } => Some(*code),
            ProduceError::DeliveryTimeout { last_error, .. }
            | ProduceError::MetadataTimeout { last_error, .. } => *last_error,
            _ => None,
        }
    }

    /// Whether the record may have been written even though this error was reported (the batch
    /// was sent and its fate is unknown). OUT_OF_ORDER_SEQUENCE_NUMBER counts: a broker answers
    /// it to a retry it no longer recognises, whose first attempt may have been written.
    pub fn maybe_written(&self) -> bool {
        matches!(
            self,
            ProduceError::DeliveryTimeout { .. }
                | ProduceError::Closed
                | ProduceError::Broker {
                    code: ErrorCode::OutOfOrderSequenceNumber,
                    ..
                }
        )
    }
}

/// A configuration value is missing, malformed or inconsistent with another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The key is not a producer config this crate knows.
    #[error("unknown producer config {0:?}")]
    UnknownKey(String),
    /// The value does not parse or is out of range.
    #[error("invalid value {value:?} for {key}: {reason}")]
    InvalidValue {
        /// The config key.
        key: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two settings contradict each other.
    #[error("{0}")]
    Conflict(String),
    /// A required setting is missing.
    #[error("missing required config {0}")]
    Missing(&'static str),
    /// The `security.protocol`, `sasl.*` or `ssl.*` settings are invalid (the message never
    /// repeats a secret).
    #[error("invalid security config: {0}")]
    Security(String),
}
