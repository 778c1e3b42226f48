//! What goes in ([`ProducerRecord`]) and what comes out ([`RecordMetadata`]).

use std::sync::Arc;

use bytes::Bytes;

/// A record header: a string key and an optional value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHeader {
    /// Header key.
    pub key: String,
    /// Header value (`None`: null).
    pub value: Option<Bytes>,
}

/// A record to send.
///
/// ```
/// use kwire_producer::ProducerRecord;
///
/// let r = ProducerRecord::new("orders", "hello")
///     .with_key("customer-42")
///     .with_header("trace", "abc")
///     .with_timestamp(1_700_000_000_000);
/// assert_eq!(r.partition, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerRecord {
    /// Topic to write to.
    pub topic: Arc<str>,
    /// Explicit partition; `None` lets the partitioner choose.
    pub partition: Option<i32>,
    /// Key (`None`: null; records without keys are spread by the sticky partitioner).
    pub key: Option<Bytes>,
    /// Value (`None`: null, a tombstone on compacted topics).
    pub value: Option<Bytes>,
    /// Headers.
    pub headers: Vec<RecordHeader>,
    /// Create time in milliseconds since the epoch; `None`: the time of `send`.
    pub timestamp: Option<i64>,
}

impl ProducerRecord {
    /// A record with a value and nothing else.
    pub fn new(topic: impl Into<Arc<str>>, value: impl Into<Bytes>) -> Self {
        ProducerRecord {
            topic: topic.into(),
            partition: None,
            key: None,
            value: Some(value.into()),
            headers: Vec::new(),
            timestamp: None,
        }
    }

    /// A record with a null value (a tombstone).
    pub fn tombstone(topic: impl Into<Arc<str>>, key: impl Into<Bytes>) -> Self {
        ProducerRecord {
            topic: topic.into(),
            partition: None,
            key: Some(key.into()),
            value: None,
            headers: Vec::new(),
            timestamp: None,
        }
    }

    /// Sets the key.
    pub fn with_key(mut self, key: impl Into<Bytes>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets an explicit partition.
    pub fn with_partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.headers.push(RecordHeader {
            key: key.into(),
            value: Some(value.into()),
        });
        self
    }

    /// Sets the create time (ms since the epoch).
    pub fn with_timestamp(mut self, ms: i64) -> Self {
        self.timestamp = Some(ms);
        self
    }
}

/// Where a record was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// Topic.
    pub topic: Arc<str>,
    /// Partition.
    pub partition: i32,
    /// Offset of the record, or −1 when unknown (`acks=0`, or a retry the broker recognised as
    /// a duplicate of an earlier write it no longer has the offset of).
    pub offset: i64,
    /// The record's timestamp: its create time, or the broker's append time on topics with
    /// `message.timestamp.type=LogAppendTime`.
    pub timestamp: i64,
}
