//! One replica's log: stored batches, log start and end offsets, and the leader-epoch cache
//! used to find where a follower's log diverges from a new leader's.
//!
//! Retention deletes batches from the head. The batches live in a `Vec` with a head index:
//! deleting advances the index, and the dead prefix is dropped only once it is at least half
//! of the vector, so deletion costs O(deleted) amortised and appends never shift the log.

use bytes::Bytes;
use kwire_protocol::records::BatchView;

use crate::cluster::producer_state::ProducerStateTable;
use crate::cluster::stored_batch::StoredBatch;

/// The dead prefix of the batch vector is dropped once it is this long and at least half of
/// the vector.
const COMPACT_AT: usize = 64;

/// A replica's log.
#[derive(Debug, Clone, Default)]
pub struct ReplicaLog {
    /// `batches[head..]` is the log; `batches[..head]` was deleted and awaits compaction.
    batches: Vec<StoredBatch>,
    head: usize,
    start_offset: i64,
    end_offset: i64,
    /// (epoch, start offset) pairs, ascending.
    epochs: Vec<(i32, i64)>,
    bytes: usize,
    /// The idempotent-producer state of the batches deleted from the head, oldest first: a
    /// leader elected on this replica rebuilds its table from this plus the batches still in
    /// the log, so retention does not make it forget producers (Kafka keeps producer state
    /// until `producer.id.expiration.ms`, not only while their batches are in the log).
    producers_below_start: ProducerStateTable,
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
        &self.batches[self.head..]
    }

    /// Producer state left by the batches deleted from the head of this log.
    pub fn producers_below_start(&self) -> &ProducerStateTable {
        &self.producers_below_start
    }

    /// The oldest batch, if any.
    pub fn first_batch(&self) -> Option<&StoredBatch> {
        self.batches.get(self.head)
    }

    /// Deletes the oldest batch (retention on the leader): the log start moves past it and its
    /// producer state is kept. Returns the number of records deleted (0 if the log is empty).
    pub fn delete_oldest(&mut self) -> i64 {
        let Some(b) = self.batches.get(self.head) else {
            return 0;
        };
        let records = b.last_offset + 1 - b.base_offset.max(self.start_offset);
        self.start_offset = b.last_offset + 1;
        self.bytes -= b.bytes.len();
        self.producers_below_start.record_batch(b);
        self.head += 1;
        self.after_start_moved();
        records
    }

    /// Moves the log start up to `offset`, deleting the batches that end below it: a follower
    /// adopting its leader's log start (Kafka's `maybeIncrementLogStartOffset`). If the whole
    /// log is below `offset`, the replica starts over, empty, at `offset` — and, as Kafka's
    /// `truncateFullyAndStartAt`, forgets its producer state. Returns the records deleted.
    pub fn advance_start_to(&mut self, offset: i64) -> i64 {
        if offset <= self.start_offset {
            return 0;
        }
        if offset > self.end_offset {
            return self.start_over_at(offset);
        }
        while let Some(b) = self.batches.get(self.head)
            && b.last_offset < offset
        {
            self.bytes -= b.bytes.len();
            self.producers_below_start.record_batch(b);
            self.head += 1;
        }
        // A batch straddling `offset` stays whole (batches are atomic); reads start inside it.
        let removed = offset - self.start_offset;
        self.start_offset = offset;
        self.after_start_moved();
        removed
    }

    /// Empties the log and restarts it at `offset`, forgetting epochs and producer state
    /// (Kafka's `truncateFullyAndStartAt`). Returns the records removed.
    fn start_over_at(&mut self, offset: i64) -> i64 {
        let removed = self.end_offset - self.start_offset;
        self.batches.clear();
        self.head = 0;
        self.bytes = 0;
        self.start_offset = offset;
        self.end_offset = offset;
        self.epochs.clear();
        self.producers_below_start = ProducerStateTable::default();
        removed
    }

    /// Drops the dead prefix once it is long enough, and trims the epoch cache as Kafka's
    /// `truncateFromStart`: epochs that start below the log start go, except the newest of
    /// them, which now starts at the log start.
    fn after_start_moved(&mut self) {
        if self.head >= COMPACT_AT && self.head * 2 >= self.batches.len() {
            self.batches.drain(..self.head);
            self.head = 0;
        }
        let start = self.start_offset;
        let below = self.epochs.partition_point(|e| e.1 <= start);
        if below > 0 {
            self.epochs.drain(..below - 1);
            self.epochs[0].1 = start;
        }
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
            // Older than every epoch still known (retention trimmed them): as Kafka, the
            // requested epoch ends where the first known one starts.
            Some(0) => (epoch, self.epochs[0].1),
            Some(i) => (self.epochs[i - 1].0, self.epochs[i].1),
        }
    }

    /// Removes every record at or after `offset`. Returns how many records were removed.
    /// Batches are atomic: one that straddles `offset` goes whole, as Kafka truncates at the
    /// batch containing the offset (this happens when a leader whose epoch cache retention
    /// trimmed answers with its log start, inside a diverging follower's batch). Below the log
    /// start (a new leader whose log ends before this replica's log start, after an unclean
    /// election), the log starts over empty at `offset`, as Kafka's `truncateTo` does.
    pub fn truncate_to(&mut self, offset: i64) -> i64 {
        if offset >= self.end_offset {
            return 0;
        }
        if offset < self.start_offset {
            return self.start_over_at(offset);
        }
        let before = self.end_offset;
        while self.batches.len() > self.head
            && let Some(last) = self.batches.last()
            && last.last_offset >= offset
        {
            self.bytes -= last.bytes.len();
            self.batches.pop();
        }
        self.end_offset = self
            .batches()
            .last()
            .map_or(self.start_offset, |b| b.last_offset + 1);
        // As Kafka's leader-epoch cache does: forget epochs that start at or after the new end.
        let end = self.end_offset;
        self.epochs.retain(|e| e.1 < end);
        before - end
    }

    /// The index of the first batch that contains or follows `offset`.
    fn batch_index(&self, offset: i64) -> usize {
        self.batches().partition_point(|b| b.last_offset < offset)
    }

    /// Batches from `offset` up to (not including) `upper`, at most `max_bytes`; with
    /// `min_one`, at least one batch if there is one even when it is larger (as Kafka does for
    /// the first partition of a fetch). Returns the concatenated bytes.
    pub fn read(&self, offset: i64, upper: i64, max_bytes: usize, min_one: bool) -> Bytes {
        let start = self.batch_index(offset);
        let mut parts: Vec<&Bytes> = Vec::new();
        let mut total = 0usize;
        for b in &self.batches()[start..] {
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
        &self.batches()[i..]
    }

    /// The first record at or after timestamp `ts` below `upper`: `(offset, timestamp)`, as
    /// ListOffsets answers a timestamp query. Falls back to the batch's base offset and max
    /// timestamp if its records cannot be read.
    pub fn offset_for_timestamp(&self, ts: i64, upper: i64) -> Option<(i64, i64)> {
        let b = self
            .batches()
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
            .batches()
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
    view.record_refs()
        .ok()?
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

    #[test]
    fn deleting_the_head_moves_the_start_and_compacts_lazily() {
        let mut log = ReplicaLog::default();
        log.start_epoch(0);
        for i in 0..200 {
            log.append(batch(i * 2, 2, i32::from(i >= 100)));
        }
        assert_eq!(log.size_bytes(), 200 * 20);
        for i in 0..150 {
            assert_eq!(log.delete_oldest(), 2);
            assert_eq!(log.start_offset(), (i + 1) * 2);
            // The dead prefix never outgrows the live log by much: no O(n) shift per delete,
            // and no unbounded growth either.
            assert!(
                log.head < COMPACT_AT || log.head * 2 < log.batches.len(),
                "{i}"
            );
        }
        assert_eq!(log.batches().len(), 50);
        assert_eq!(log.first_batch().unwrap().base_offset, 300);
        assert_eq!(log.size_bytes(), 50 * 20);
        assert_eq!((log.start_offset(), log.end_offset()), (300, 400));
        assert_eq!(log.read(300, 304, 1000, true).len(), 40);
        assert_eq!(log.batches_since(398).len(), 1);
        // Epoch 0 ended at 200, below the start: only epoch 1 is left, starting at 300.
        assert_eq!(log.epochs, vec![(1, 300)]);
        // As Kafka: an older epoch ends where the first known one starts.
        assert_eq!(log.end_offset_for_epoch(0), (0, 300));
        assert_eq!(log.end_offset_for_epoch(1), (1, 400));
        // Truncation from the end still works on a log with a moved start...
        assert_eq!(log.truncate_to(350), 50);
        assert_eq!((log.batches().len(), log.end_offset()), (25, 350));
        // ...even below the start: the log starts over there, empty.
        assert_eq!(log.truncate_to(100), 50);
        assert_eq!((log.start_offset(), log.end_offset()), (100, 100));
        assert!(log.batches().is_empty());
        assert_eq!(log.delete_oldest(), 0);
        log.append(batch(100, 1, 2));
        assert_eq!(log.batches().len(), 1);
    }

    #[test]
    fn a_follower_adopts_the_leader_start_or_starts_over_beyond_its_end() {
        let mut log = ReplicaLog::default();
        log.start_epoch(0);
        for i in 0..4 {
            let mut b = batch(i * 3, 3, 0);
            b.producer_id = 7;
            b.base_sequence = i32::try_from(i * 3).unwrap();
            log.append(b);
        }
        assert_eq!(log.advance_start_to(0), 0, "not past the start");
        assert_eq!(log.advance_start_to(6), 6);
        assert_eq!(log.batches().len(), 2);
        assert_eq!(
            log.producers_below_start().get(7).unwrap().last_seq(),
            Some(5)
        );
        // Inside a batch: it stays whole, reads start inside it.
        assert_eq!(log.advance_start_to(7), 1);
        assert_eq!((log.start_offset(), log.batches().len()), (7, 2));
        assert_eq!(log.read(7, 12, 1000, true).len(), 60);
        // Beyond the end: empty, starting there, epochs and producer state gone.
        assert_eq!(log.advance_start_to(20), 5);
        assert_eq!((log.start_offset(), log.end_offset()), (20, 20));
        assert!(log.batches().is_empty() && log.epochs.is_empty());
        assert_eq!(log.size_bytes(), 0);
        assert!(log.producers_below_start().is_empty());
        log.append(batch(20, 1, 3));
        assert_eq!(log.latest_epoch(), 3);
    }
}
