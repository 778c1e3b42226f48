//! A batch as a replica's log stores it: what the model reads from its header, and its bytes.
//! Producer sequences wrap at `i32::MAX`, here and wherever they are compared.

use bytes::Bytes;

/// `seq + delta` wrapping at `i32::MAX` back to 0, as Kafka's sequences do.
pub fn add_sequence(seq: i32, delta: i32) -> i32 {
    if delta < 0 {
        return seq;
    }
    let sum = i64::from(seq) + i64::from(delta);
    if sum > i64::from(i32::MAX) {
        (sum - i64::from(i32::MAX) - 1) as i32
    } else {
        sum as i32
    }
}

/// What the model needs to know about an appended batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBatch {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Offset of the last record.
    pub last_offset: i64,
    /// Leader epoch under which the batch was appended.
    pub leader_epoch: i32,
    /// Producer id (-1 when not idempotent).
    pub producer_id: i64,
    /// Producer epoch.
    pub producer_epoch: i16,
    /// Sequence of the first record (-1 when not idempotent).
    pub base_sequence: i32,
    /// Number of records.
    pub record_count: i32,
    /// Largest record timestamp.
    pub max_timestamp: i64,
    /// When the leader appended it (model milliseconds): followers copy it `lag` later.
    pub appended_at: u64,
    /// The batch bytes as stored: base offset and partition leader epoch rewritten.
    pub bytes: Bytes,
}

impl StoredBatch {
    /// Sequence of the last record, wrapping at `i32::MAX` as Kafka does.
    pub fn last_sequence(&self) -> i32 {
        add_sequence(
            self.base_sequence,
            (self.last_offset - self.base_offset) as i32,
        )
    }
}
