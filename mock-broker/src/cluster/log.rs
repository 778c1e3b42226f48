//! One replica's log: stored batches, log-end offset, and the leader-epoch cache used to find
//! where a follower's log diverges from a new leader's.

use bytes::Bytes;
use kwire_protocol::records::BatchView;

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
        crate::cluster::producer_state::add_sequence(
            self.base_sequence,
            (self.last_offset - self.base_offset) as i32,
        )
    }
}

/// A replica's log.
#[derive(Debug, Clone, Default)]
pub struct ReplicaLog {
    batches: Vec<StoredBatch>,
    start_offset: i64,
    end_offset: i64,
    /// (epoch, start offset) pairs, ascending.
    epochs: Vec<(i32, i64)>,
    bytes: usize,
}

impl ReplicaLog {
    /// The log-end offset (LEO): the offset the next record will get.
    pub fn end_offset(&self) -> i64 {
        self.end_offset
    }

    /// The log start offset.
    pub fn start_offset(&self) -> i64 {
        self.start_offset
    }

    /// Stored batches, oldest first.
    pub fn batches(&self) -> &[StoredBatch] {
        &self.batches
    }

    /// Total bytes stored.
    pub fn size_bytes(&self) -> usize {
        self.bytes
    }

    /// The newest leader epoch in the log, or -1.
    pub fn latest_epoch(&self) -> i32 {
        self.epochs.last().map_or(-1, |e| e.0)
    }

    /// Records that `epoch` starts at the current log end (a new leader does this).
    pub fn start_epoch(&mut self, epoch: i32) {
        if self.latest_epoch() < epoch {
            self.epochs.push((epoch, self.end_offset));
        }
    }

    /// Appends a batch whose offsets were assigned by the leader.
    pub fn append(&mut self, batch: StoredBatch) {
        debug_assert_eq!(batch.base_offset, self.end_offset);
        if self.latest_epoch() < batch.leader_epoch {
            self.epochs.push((batch.leader_epoch, batch.base_offset));
        }
        self.end_offset = batch.last_offset + 1;
        self.bytes += batch.bytes.len();
        self.batches.push(batch);
    }

    /// The end offset of `epoch` in this log: the start of the first newer epoch, or the log
    /// end if `epoch` is the newest. Kafka's OffsetForLeaderEpoch answer, used by a follower to
    /// find where to truncate. Returns `(epoch found, end offset)`.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        match self.epochs.iter().position(|e| e.0 > epoch) {
            None => (self.latest_epoch(), self.end_offset),
            Some(0) => (-1, self.start_offset),
            Some(i) => (self.epochs[i - 1].0, self.epochs[i].1),
        }
    }

    /// Removes every record at or after `offset`. Returns how many records were removed.
    pub fn truncate_to(&mut self, offset: i64) -> i64 {
        if offset >= self.end_offset {
            return 0;
        }
        let removed = self.end_offset - offset.max(self.start_offset);
        while let Some(last) = self.batches.last() {
            if last.base_offset >= offset {
                self.bytes -= last.bytes.len();
                self.batches.pop();
            } else {
                break;
            }
        }
        // Batches are atomic: a batch straddling `offset` cannot exist because offsets only
        // ever diverge at batch boundaries, but be safe and cut at the batch end.
        self.end_offset = self
            .batches
            .last()
            .map_or(offset.max(self.start_offset), |b| b.last_offset + 1);
        // As Kafka's leader-epoch cache does: forget epochs that start at or after the new end.
        let end = self.end_offset;
        self.epochs.retain(|e| e.1 < end);
        removed
    }

    /// The index of the first batch that contains or follows `offset`.
    fn batch_index(&self, offset: i64) -> usize {
        self.batches.partition_point(|b| b.last_offset < offset)
    }

    /// Batches from `offset` up to (not including) `upper`, at most `max_bytes`; with
    /// `min_one`, at least one batch if there is one even when it is larger (as Kafka does for
    /// the first partition of a fetch). Returns the concatenated bytes.
    pub fn read(&self, offset: i64, upper: i64, max_bytes: usize, min_one: bool) -> Bytes {
        let start = self.batch_index(offset);
        let mut parts: Vec<&Bytes> = Vec::new();
        let mut total = 0usize;
        for b in &self.batches[start..] {
            if b.last_offset >= upper {
                break;
            }
            let fits = total + b.bytes.len() <= max_bytes;
            if !(fits || min_one && parts.is_empty()) {
                break;
            }
            total += b.bytes.len();
            parts.push(&b.bytes);
        }
        match parts.len() {
            0 => Bytes::new(),
            1 => parts[0].clone(),
            _ => {
                let mut out = Vec::with_capacity(total);
                for p in parts {
                    out.extend_from_slice(p);
                }
                Bytes::from(out)
            }
        }
    }

    /// Batches that end at or after `from`: what a follower at log end `from` still lacks.
    pub fn batches_since(&self, from: i64) -> &[StoredBatch] {
        let i = self.batch_index(from);
        &self.batches[i..]
    }

    /// The first record at or after timestamp `ts` below `upper`: `(offset, timestamp)`, as
    /// ListOffsets answers a timestamp query. Falls back to the batch's base offset and max
    /// timestamp if its records cannot be read.
    pub fn offset_for_timestamp(&self, ts: i64, upper: i64) -> Option<(i64, i64)> {
        let b = self
            .batches
            .iter()
            .take_while(|b| b.last_offset < upper)
            .find(|b| b.max_timestamp >= ts)?;
        Some(first_record(b, |t| t >= ts).unwrap_or((b.base_offset, b.max_timestamp)))
    }

    /// The first record with the largest timestamp below `upper`: `(offset, timestamp)`
    /// (ListOffsets MAX_TIMESTAMP). Falls back to the batch's last offset if its records
    /// cannot be read.
    pub fn max_timestamp(&self, upper: i64) -> Option<(i64, i64)> {
        let b = self
            .batches
            .iter()
            .take_while(|b| b.last_offset < upper)
            .fold(None, |acc: Option<&StoredBatch>, b| match acc {
                Some(a) if a.max_timestamp >= b.max_timestamp => acc,
                _ => Some(b),
            })?;
        let max = b.max_timestamp;
        Some(first_record(b, |t| t == max).unwrap_or((b.last_offset, max)))
    }
}

/// The offset and timestamp of the first record of `b` whose timestamp satisfies `pred`.
fn first_record(b: &StoredBatch, pred: impl Fn(i64) -> bool) -> Option<(i64, i64)> {
    let view = BatchView::decode(b.bytes.clone()).ok()?;
    view.records()
        .map_while(Result::ok)
        .find(|r| pred(r.timestamp))
        .map(|r| (r.offset, r.timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn batch(base: i64, n: i32, epoch: i32) -> StoredBatch {
        StoredBatch {
            base_offset: base,
            last_offset: base + i64::from(n) - 1,
            leader_epoch: epoch,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            record_count: n,
            max_timestamp: base * 10,
            appended_at: 0,
            bytes: Bytes::from(vec![0u8; 10 * n as usize]),
        }
    }

    #[test]
    fn epochs_track_divergence_and_truncation() {
        let mut log = ReplicaLog::default();
        log.append(batch(0, 3, 0));
        log.append(batch(3, 2, 0));
        log.append(batch(5, 5, 2));
        assert_eq!(log.end_offset(), 10);
        assert_eq!(log.end_offset_for_epoch(0), (0, 5));
        assert_eq!(log.end_offset_for_epoch(1), (0, 5));
        assert_eq!(log.end_offset_for_epoch(2), (2, 10));
        assert_eq!(log.truncate_to(5), 5);
        assert_eq!(log.end_offset(), 5);
        assert_eq!(log.latest_epoch(), 0);
        assert_eq!(log.batches().len(), 2);
        assert_eq!(log.truncate_to(7), 0);
    }

    #[test]
    fn read_respects_upper_bound_and_max_bytes() {
        let mut log = ReplicaLog::default();
        log.append(batch(0, 3, 0));
        log.append(batch(3, 2, 0));
        log.append(batch(5, 5, 0));
        assert_eq!(log.read(0, 5, 1000, true).len(), 50);
        assert_eq!(log.read(4, 10, 1000, true).len(), 70);
        // Max bytes smaller than one batch still returns that batch, unless min_one is off.
        assert_eq!(log.read(0, 10, 1, true).len(), 30);
        assert!(log.read(0, 10, 1, false).is_empty());
        assert_eq!(log.read(0, 10, 55, false).len(), 50);
        assert!(log.read(10, 10, 1000, true).is_empty());
        assert_eq!(log.offset_for_timestamp(35, 10), Some((5, 50)));
        assert_eq!(log.max_timestamp(10), Some((9, 50)));
    }
}
