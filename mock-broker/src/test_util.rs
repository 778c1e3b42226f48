//! Helpers for the unit tests: record batches and requests built with the codec.

use bytes::{Bytes, BytesMut};
use kwire_protocol::api::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use kwire_protocol::records::{BatchOptions, BatchWriter};

/// A batch of `n` records with timestamps `ts0, ts0+1, ...`; idempotent when `pid >= 0`.
pub(crate) fn batch_at(n: usize, pid: i64, epoch: i16, seq: i32, ts0: i64) -> Bytes {
    let mut buf = BytesMut::new();
    let mut w = BatchWriter::new(
        &mut buf,
        BatchOptions {
            producer_id: pid,
            producer_epoch: if pid >= 0 { epoch } else { -1 },
            base_sequence: if pid >= 0 { seq } else { -1 },
            ..Default::default()
        },
    )
    .expect("writer");
    for i in 0..n {
        let v = format!("value-{i}");
        w.append(ts0 + i as i64, Some(b"k"), Some(v.as_bytes()), &[])
            .expect("append");
    }
    w.finish().expect("finish");
    buf.freeze()
}

/// A batch of `n` records; idempotent when `pid >= 0`.
pub(crate) fn batch(n: usize, pid: i64, epoch: i16, seq: i32) -> Bytes {
    batch_at(n, pid, epoch, seq, 1_000)
}

/// A Produce request for one partition.
pub(crate) fn produce(
    topic: &str,
    partition: i32,
    acks: i16,
    timeout_ms: i32,
    records: Bytes,
) -> ProduceRequest {
    ProduceRequest {
        acks,
        timeout_ms,
        topic_data: vec![TopicProduceData {
            name: topic.into(),
            partition_data: vec![PartitionProduceData {
                index: partition,
                records: Some(records),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}
