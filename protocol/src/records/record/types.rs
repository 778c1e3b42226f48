//! The decoded record types: [`Record`] (owned, zero-copy [`Bytes`] slices) and
//! [`RecordRef`] (borrowed).

use std::fmt;

use bytes::Bytes;

use super::headers::{Headers, HeadersRef};

/// One decoded record.
///
/// `key`, `value` and the headers are zero-copy slices of the batch (or of its decompressed
/// records). `offset` and `timestamp` are computed from the batch header when decoding;
/// encoders such as [`RecordBatch::encode`](crate::records::RecordBatch::encode) write the wire fields
/// `offset_delta` and `timestamp_delta` instead, so a decoded batch re-encodes byte for byte.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Record {
    /// Absolute offset: the batch's `base_offset + offset_delta`.
    pub offset: i64,
    /// The timestamp Kafka reports: `base_timestamp + timestamp_delta`, or the batch's
    /// `max_timestamp` when the batch uses LogAppendTime.
    pub timestamp: i64,
    /// Offset relative to the batch's base offset, as on the wire.
    pub offset_delta: i32,
    /// Timestamp relative to the batch's base timestamp, as on the wire.
    pub timestamp_delta: i64,
    /// The record attributes byte (unused by Kafka; 0).
    pub attributes: i8,
    /// The key; `None` is a null key.
    pub key: Option<Bytes>,
    /// The value; `None` is a null value (a tombstone on compacted topics).
    pub value: Option<Bytes>,
    /// The headers, kept in their encoded form and decoded on iteration.
    pub headers: Headers,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("offset", &self.offset)
            .field("timestamp", &self.timestamp)
            .field("offset_delta", &self.offset_delta)
            .field("timestamp_delta", &self.timestamp_delta)
            .field("attributes", &self.attributes)
            .field("key", &self.key)
            .field("value", &self.value)
            .field("headers", &self.headers)
            .finish()
    }
}

/// A decoded record that borrows its key, value and headers from the batch: decoding it costs
/// no allocation and no reference counting. From [`BatchView::record_refs`](crate::records::BatchView::record_refs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordRef<'a> {
    /// Absolute offset.
    pub offset: i64,
    /// The timestamp Kafka reports (see [`Record::timestamp`]).
    pub timestamp: i64,
    /// Offset relative to the batch's base offset.
    pub offset_delta: i32,
    /// Timestamp relative to the batch's base timestamp.
    pub timestamp_delta: i64,
    /// The record attributes byte.
    pub attributes: i8,
    /// The key; `None` is null.
    pub key: Option<&'a [u8]>,
    /// The value; `None` is null.
    pub value: Option<&'a [u8]>,
    /// The headers.
    pub headers: HeadersRef<'a>,
}
