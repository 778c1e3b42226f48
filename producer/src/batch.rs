//! Records waiting in the accumulator, their encoded sizes, and the one place that turns them
//! into a record batch v2 (through `kwire_protocol::records::BatchWriter`).

use bytes::{Bytes, BytesMut};
use kwire_protocol::records::{
    self, BATCH_HEADER_SIZE, BatchOptions, BatchWriter, Compression, HeaderRef,
};

use crate::error::ProduceError;
use crate::record::RecordHeader;

/// Bytes of a batch before its first record (the v2 batch header).
pub(crate) const BATCH_OVERHEAD: usize = BATCH_HEADER_SIZE;

/// A record accepted by `send`, waiting for its batch to be delivered.
#[derive(Debug)]
pub(crate) struct PendingRecord {
    /// Create time, ms since the epoch.
    pub timestamp: i64,
    /// Key.
    pub key: Option<Bytes>,
    /// Value.
    pub value: Option<Bytes>,
    /// Headers.
    pub headers: Vec<RecordHeader>,
}

/// Exact encoded (uncompressed) size of a record at `offset_delta`, `timestamp_delta` from the
/// batch's base timestamp (kwire-protocol's rule, for the producer's record type).
pub(crate) fn record_size(
    timestamp_delta: i64,
    offset_delta: i32,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[RecordHeader],
) -> usize {
    records::record_size(
        timestamp_delta,
        offset_delta,
        key,
        value,
        headers
            .iter()
            .map(|h| HeaderRef::new(h.key.as_str(), h.value.as_deref())),
    )
}

/// An upper bound of a record's encoded size wherever it lands in a batch, plus a batch header:
/// what `send` checks against `max.request.size` and `buffer.memory`.
pub(crate) fn record_size_upper_bound(
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[RecordHeader],
) -> usize {
    // Widest varlong timestamp delta (10 bytes) and varint offset delta (5 bytes).
    record_size(i64::MIN, i32::MIN, key, value, headers)
}

/// The producer fields of a batch header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProducerStamp {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl ProducerStamp {
    /// No producer id: a non-idempotent batch.
    pub(crate) const NONE: ProducerStamp = ProducerStamp {
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
    };
}

/// Encodes `records` as one record batch v2 into `buf` (empty; it grows as needed).
pub(crate) fn encode_batch(
    records: &[PendingRecord],
    stamp: ProducerStamp,
    compression: Compression,
    level: Option<i32>,
    mut buf: BytesMut,
) -> Result<Bytes, ProduceError> {
    let enc = |e: kwire_protocol::EncodeError| ProduceError::Encode(e.to_string());
    let mut w = BatchWriter::new(
        &mut buf,
        BatchOptions {
            producer_id: stamp.producer_id,
            producer_epoch: stamp.producer_epoch,
            base_sequence: stamp.base_sequence,
            compression,
            compression_level: level,
            ..Default::default()
        },
    )
    .map_err(enc)?;
    let mut hdrs: Vec<HeaderRef<'_>> = Vec::new();
    for r in records {
        hdrs.clear();
        hdrs.extend(
            r.headers
                .iter()
                .map(|h| HeaderRef::new(h.key.as_str(), h.value.as_deref())),
        );
        w.append(r.timestamp, r.key.as_deref(), r.value.as_deref(), &hdrs)
            .map_err(enc)?;
    }
    w.finish().map_err(enc)?;
    Ok(buf.freeze())
}

#[cfg(test)]
mod tests {
    use kwire_protocol::records::BatchView;

    use super::*;

    fn rec(ts: i64, key: Option<&'static [u8]>, value: &'static [u8]) -> PendingRecord {
        PendingRecord {
            timestamp: ts,
            key: key.map(Bytes::from_static),
            value: Some(Bytes::from_static(value)),
            headers: vec![RecordHeader {
                key: "h".into(),
                value: None,
            }],
        }
    }

    #[test]
    fn sizes_are_exact_for_uncompressed_batches() {
        let records = [rec(1000, Some(b"k"), b"hello"), rec(1300, None, &[7; 300])];
        let mut expected = BATCH_OVERHEAD;
        for (i, r) in records.iter().enumerate() {
            expected += record_size(
                r.timestamp - 1000,
                i as i32,
                r.key.as_deref(),
                r.value.as_deref(),
                &r.headers,
            );
            assert!(
                record_size_upper_bound(r.key.as_deref(), r.value.as_deref(), &r.headers)
                    >= record_size(
                        r.timestamp - 1000,
                        i as i32,
                        r.key.as_deref(),
                        r.value.as_deref(),
                        &r.headers
                    )
            );
        }
        let stamp = ProducerStamp {
            producer_id: 9,
            producer_epoch: 2,
            base_sequence: 40,
        };
        let b = encode_batch(&records, stamp, Compression::None, None, BytesMut::new()).unwrap();
        assert_eq!(b.len(), expected);
        let view = BatchView::decode(b).unwrap();
        let h = view.header();
        assert_eq!(
            (h.producer_id, h.producer_epoch, h.base_sequence),
            (9, 2, 40)
        );
        assert_eq!(h.record_count, 2);
        let back: Vec<_> = view.records().map(|r| r.unwrap()).collect();
        assert_eq!(back[1].value.as_deref(), Some(&[7u8; 300][..]));
        assert_eq!(back[1].timestamp, 1300);
    }
}
