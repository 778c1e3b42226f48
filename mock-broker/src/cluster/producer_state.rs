//! Idempotent-producer state, mirroring Kafka's `ProducerStateManager`: per producer id, the
//! current epoch and the metadata of the last five batches appended.
//!
//! * same epoch and the exact `(first, last)` sequences of a cached batch → a duplicate: the
//!   broker answers success with the **original** offset and appends nothing;
//! * a producer this partition has no state for (new, or whose batches are not in this
//!   replica's log) is accepted at any sequence, as Kafka does;
//! * a new (higher) epoch must start at sequence 0;
//! * within an epoch, a batch must start at `last + 1` (wrapping at `i32::MAX`), otherwise
//!   `OUT_OF_ORDER_SEQUENCE_NUMBER` — this includes retries of a batch older than the five
//!   cached ones;
//! * an older epoch → `INVALID_PRODUCER_EPOCH`.
//!
//! Retention does not drop producer state: as in Kafka since KIP-360, a producer's state
//! outlives the deletion of its batches (Kafka expires it after `producer.id.expiration.ms`; the
//! mock never expires it). Each replica log keeps the state of the batches deleted from its head
//! (see [`crate::cluster::log::ReplicaLog::producers_below_start`]) and a new leader rebuilds
//! from that plus its log. A replica that had to start over empty at its leader's log start
//! (it was further behind than the leader's log start) forgets that state, as Kafka's does.

use std::collections::{HashMap, VecDeque};

use kwire_protocol::ErrorCode;

use crate::cluster::stored_batch::{StoredBatch, add_sequence};

/// How many batches per producer Kafka remembers for deduplication.
pub const CACHED_BATCHES: usize = 5;

/// A cached batch's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachedBatch {
    /// First sequence.
    pub first_seq: i32,
    /// Last sequence.
    pub last_seq: i32,
    /// Offset the batch was written at.
    pub base_offset: i64,
    /// Its max timestamp.
    pub timestamp: i64,
}

/// One producer's state on one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerEntry {
    /// Current epoch.
    pub epoch: i16,
    /// The last batches, oldest first.
    pub batches: VecDeque<CachedBatch>,
}

impl ProducerEntry {
    /// The last sequence written in the current epoch.
    pub fn last_seq(&self) -> Option<i32> {
        self.batches.back().map(|b| b.last_seq)
    }
}

/// The verdict on an incoming idempotent batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Append it.
    Append,
    /// Already written: answer with the original offset, append nothing.
    Duplicate(CachedBatch),
    /// Reject it with this error.
    Reject(ErrorCode),
}

/// All producers' state on one partition (as held by its leader).
#[derive(Debug, Clone, Default)]
pub struct ProducerStateTable {
    producers: HashMap<i64, ProducerEntry>,
    dedup_enabled: bool,
}

impl ProducerStateTable {
    /// An empty table; `dedup_enabled = false` turns deduplication off (for testing checkers:
    /// retries are then appended twice).
    pub fn new(dedup_enabled: bool) -> Self {
        ProducerStateTable {
            producers: HashMap::new(),
            dedup_enabled,
        }
    }

    /// The entry for a producer id.
    pub fn get(&self, producer_id: i64) -> Option<&ProducerEntry> {
        self.producers.get(&producer_id)
    }

    /// Checks a batch `(producer_id, epoch, first_seq, last_seq)` against the table.
    pub fn check(
        &self,
        producer_id: i64,
        epoch: i16,
        first_seq: i32,
        last_seq: i32,
    ) -> SequenceCheck {
        if producer_id < 0 {
            return SequenceCheck::Append;
        }
        // Kafka accepts any sequence from a producer it has no state for (its state may have
        // been lost with the log that held it).
        let Some(entry) = self.producers.get(&producer_id) else {
            return SequenceCheck::Append;
        };
        if epoch < entry.epoch {
            return SequenceCheck::Reject(ErrorCode::InvalidProducerEpoch);
        }
        if epoch > entry.epoch {
            return if first_seq == 0 {
                SequenceCheck::Append
            } else {
                SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber)
            };
        }
        if self.dedup_enabled
            && let Some(b) = entry
                .batches
                .iter()
                .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
        {
            return SequenceCheck::Duplicate(*b);
        }
        match entry.last_seq() {
            Some(last) if add_sequence(last, 1) == first_seq => SequenceCheck::Append,
            None if first_seq == 0 => SequenceCheck::Append,
            _ if !self.dedup_enabled => SequenceCheck::Append,
            _ => SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber),
        }
    }

    /// Records an appended batch.
    pub fn record(&mut self, producer_id: i64, epoch: i16, batch: CachedBatch) {
        if producer_id < 0 {
            return;
        }
        let entry = self.producers.entry(producer_id).or_default();
        if epoch != entry.epoch {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        entry.batches.push_back(batch);
        while entry.batches.len() > CACHED_BATCHES {
            entry.batches.pop_front();
        }
    }

    /// Records a batch of a log (no-op for non-idempotent batches).
    pub fn record_batch(&mut self, b: &StoredBatch) {
        self.record(
            b.producer_id,
            b.producer_epoch,
            CachedBatch {
                first_seq: b.base_sequence,
                last_seq: b.last_sequence(),
                base_offset: b.base_offset,
                timestamp: b.max_timestamp,
            },
        );
    }

    /// Rebuilds the table from a log, as a new leader does when it takes over.
    pub fn rebuild<'a>(&mut self, batches: impl IntoIterator<Item = &'a StoredBatch>) {
        self.producers.clear();
        for b in batches {
            self.record_batch(b);
        }
    }

    /// Rebuilds the table from `base` — the state of the batches retention deleted from the
    /// log's head — and then the batches still in the log, so a new leader remembers producers
    /// whose batches were all deleted. Keeps this table's deduplication setting.
    pub fn rebuild_from<'a>(
        &mut self,
        base: &ProducerStateTable,
        batches: impl IntoIterator<Item = &'a StoredBatch>,
    ) {
        self.producers.clone_from(&base.producers);
        for b in batches {
            self.record_batch(b);
        }
    }

    /// Every producer with state here, by id.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &ProducerEntry)> {
        let mut ids: Vec<i64> = self.producers.keys().copied().collect();
        ids.sort_unstable();
        ids.into_iter().map(|id| (id, &self.producers[&id]))
    }

    /// How many producers have state here.
    pub fn len(&self) -> usize {
        self.producers.len()
    }

    /// Whether no producer has state here.
    pub fn is_empty(&self) -> bool {
        self.producers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cb(first: i32, last: i32, off: i64) -> CachedBatch {
        CachedBatch {
            first_seq: first,
            last_seq: last,
            base_offset: off,
            timestamp: 0,
        }
    }

    #[test]
    fn sequences_wrap_at_i32_max() {
        assert_eq!(add_sequence(5, 3), 8);
        assert_eq!(add_sequence(i32::MAX, 1), 0);
        assert_eq!(add_sequence(i32::MAX - 1, 3), 1);
    }

    #[test]
    fn duplicates_return_the_original_offset_and_gaps_are_rejected() {
        let mut t = ProducerStateTable::new(true);
        assert_eq!(t.check(7, 0, 0, 9), SequenceCheck::Append);
        t.record(7, 0, cb(0, 9, 100));
        assert_eq!(t.check(7, 0, 0, 9), SequenceCheck::Duplicate(cb(0, 9, 100)));
        assert_eq!(
            t.check(7, 0, 11, 12),
            SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber)
        );
        assert_eq!(t.check(7, 0, 10, 12), SequenceCheck::Append);
        // A producer with no state here is accepted at any sequence, as in Kafka.
        assert_eq!(t.check(8, 0, 5, 6), SequenceCheck::Append);
        // Older epoch fenced; newer epoch must restart at 0.
        t.record(7, 2, cb(0, 0, 200));
        assert_eq!(
            t.check(7, 1, 1, 1),
            SequenceCheck::Reject(ErrorCode::InvalidProducerEpoch)
        );
        assert_eq!(
            t.check(7, 3, 1, 1),
            SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber)
        );
        assert_eq!(t.check(7, 3, 0, 4), SequenceCheck::Append);
    }

    #[test]
    fn only_five_batches_are_cached() {
        let mut t = ProducerStateTable::new(true);
        for i in 0..6 {
            t.record(1, 0, cb(i * 2, i * 2 + 1, i64::from(i) * 10));
        }
        // The first batch (0..1) fell out of the cache: its retry is out of order.
        assert_eq!(
            t.check(1, 0, 0, 1),
            SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber)
        );
        assert_eq!(t.check(1, 0, 2, 3), SequenceCheck::Duplicate(cb(2, 3, 10)));
    }

    #[test]
    fn dedup_off_appends_retries_twice() {
        let mut t = ProducerStateTable::new(false);
        t.record(1, 0, cb(0, 1, 0));
        assert_eq!(t.check(1, 0, 0, 1), SequenceCheck::Append);
    }
}
