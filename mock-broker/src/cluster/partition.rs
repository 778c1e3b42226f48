//! One partition: leader, replicas, ISR, a log per replica, the high watermark, and the
//! leader's idempotent-producer table.
//!
//! Replication is modelled, not faked: a follower copies a batch `lag` milliseconds after the
//! leader appended it; a follower that has not caught up for `replica.lag.time.max.ms` leaves
//! the ISR and rejoins once it reaches the high watermark; the high watermark is the smallest
//! log-end offset in the ISR; a new leader comes from the ISR and every follower truncates what
//! the new leader never had — so acks=1 writes can be lost exactly as in Kafka.
//!
//! Retention (off by default, see [`Retention`]) deletes the leader's oldest batches below the
//! high watermark; followers that are up and fetching adopt the leader's log start.

use std::collections::BTreeMap;

use bytes::{BufMut, Bytes, BytesMut};
use kwire_protocol::ErrorCode;

use crate::cluster::config::{FollowerLag, Retention};
use crate::cluster::log::ReplicaLog;
use std::borrow::Cow;

use crate::cluster::producer_state::{CachedBatch, ProducerStateTable, SequenceCheck};
use crate::cluster::stored_batch::{StoredBatch, add_sequence};

/// A broker id.
pub type BrokerId = i32;

/// What the model reads from a batch's header (see `crate::cluster::batch_meta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMeta {
    /// Producer id, -1 if none.
    pub producer_id: i64,
    /// Producer epoch.
    pub producer_epoch: i16,
    /// Base sequence, -1 if none.
    pub base_sequence: i32,
    /// Number of records.
    pub record_count: i32,
    /// Offset delta of the last record.
    pub last_offset_delta: i32,
    /// Largest timestamp.
    pub max_timestamp: i64,
}

/// The result of appending one batch on the leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Log-end offset right after the append: acks=all waits until the high watermark
    /// reaches it.
    pub end_offset: i64,
    /// The log start offset.
    pub log_start_offset: i64,
    /// True if this was an idempotent retry answered from the producer-state cache.
    pub duplicate: bool,
}

/// One partition of a topic.
#[derive(Debug, Clone)]
pub struct Partition {
    /// Partition index.
    pub index: i32,
    /// Assigned replicas, preferred leader first.
    pub replicas: Vec<BrokerId>,
    /// In-sync replicas (the leader included).
    pub isr: Vec<BrokerId>,
    /// Current leader, `None` while offline.
    pub leader: Option<BrokerId>,
    /// Current leader epoch.
    pub leader_epoch: i32,
    /// One log per replica.
    pub logs: BTreeMap<BrokerId, ReplicaLog>,
    /// Smallest log-end offset in the ISR: what consumers may read and acks=all waits for.
    pub high_watermark: i64,
    /// Per-follower time (model ms) up to which it was caught up.
    pub last_caught_up: BTreeMap<BrokerId, u64>,
    /// Per-follower lag overrides for this partition.
    pub lag_overrides: BTreeMap<BrokerId, FollowerLag>,
    /// Followers that must compare their log with the leader's before copying again.
    needs_truncation: Vec<BrokerId>,
    /// The leader's producer-state table.
    pub producers: ProducerStateTable,
    /// Records removed from replica logs by truncation after leader changes.
    pub truncated_records: u64,
    /// Retention limits (unlimited unless the cluster or topic sets them).
    pub retention: Retention,
    /// Records the leaders of this partition deleted by retention.
    pub deleted_records: u64,
}

impl Partition {
    /// A new, empty partition led by `replicas[0]` with every replica in sync.
    pub fn new(index: i32, replicas: Vec<BrokerId>, dedup: bool, now: u64) -> Self {
        let mut logs = BTreeMap::new();
        for r in &replicas {
            let mut log = ReplicaLog::default();
            log.start_epoch(0);
            logs.insert(*r, log);
        }
        Partition {
            index,
            leader: replicas.first().copied(),
            isr: replicas.clone(),
            last_caught_up: replicas.iter().map(|r| (*r, now)).collect(),
            replicas,
            leader_epoch: 0,
            logs,
            high_watermark: 0,
            lag_overrides: BTreeMap::new(),
            needs_truncation: Vec::new(),
            producers: ProducerStateTable::new(dedup),
            truncated_records: 0,
            retention: Retention::default(),
            deleted_records: 0,
        }
    }

    /// The producer state `broker`'s replica holds, as DescribeProducers reports it: the
    /// leader's table, or, on a follower, the one its log gives (Kafka's followers build the
    /// same state from the batches they copy); `None` when `broker` holds no replica.
    pub fn producers_on(&self, broker: BrokerId) -> Option<Cow<'_, ProducerStateTable>> {
        if self.leader == Some(broker) {
            return Some(Cow::Borrowed(&self.producers));
        }
        let log = self.logs.get(&broker)?;
        let mut table = ProducerStateTable::new(true);
        table.rebuild_from(log.producers_below_start(), log.batches());
        Some(Cow::Owned(table))
    }

    /// The leader's log.
    pub fn leader_log(&self) -> Option<&ReplicaLog> {
        self.leader.and_then(|l| self.logs.get(&l))
    }

    /// The log-end offset of the leader (0 when offline).
    pub fn log_end_offset(&self) -> i64 {
        self.leader_log().map_or(0, ReplicaLog::end_offset)
    }

    /// The log start offset of the leader.
    pub fn log_start_offset(&self) -> i64 {
        self.leader_log().map_or(0, ReplicaLog::start_offset)
    }

    /// Appends a batch on the leader, applying the idempotence rules. `batch` is the batch as
    /// the producer sent it; its base offset and partition leader epoch are rewritten.
    pub fn append(
        &mut self,
        meta: &BatchMeta,
        batch: &Bytes,
        now: u64,
    ) -> Result<Appended, ErrorCode> {
        let Some(leader) = self.leader else {
            return Err(ErrorCode::NotLeaderOrFollower);
        };
        let last_seq = add_sequence(meta.base_sequence, meta.last_offset_delta);
        match self.producers.check(
            meta.producer_id,
            meta.producer_epoch,
            meta.base_sequence,
            last_seq,
        ) {
            SequenceCheck::Reject(e) => return Err(e),
            SequenceCheck::Duplicate(c) => {
                return Ok(Appended {
                    base_offset: c.base_offset,
                    end_offset: c.base_offset + i64::from(meta.last_offset_delta) + 1,
                    log_start_offset: self.log_start_offset(),
                    duplicate: true,
                });
            }
            SequenceCheck::Append => {}
        }
        let log = self.logs.get_mut(&leader).expect("leader has a log");
        let base_offset = log.end_offset();
        let mut bytes = BytesMut::with_capacity(batch.len());
        bytes.put_i64(base_offset);
        bytes.put_slice(&batch[8..12]);
        bytes.put_i32(self.leader_epoch);
        bytes.put_slice(&batch[16..]);
        let stored = StoredBatch {
            base_offset,
            last_offset: base_offset + i64::from(meta.last_offset_delta),
            leader_epoch: self.leader_epoch,
            producer_id: meta.producer_id,
            producer_epoch: meta.producer_epoch,
            base_sequence: meta.base_sequence,
            record_count: meta.record_count,
            max_timestamp: meta.max_timestamp,
            appended_at: now,
            bytes: bytes.freeze(),
        };
        let end_offset = stored.last_offset + 1;
        log.append(stored);
        self.producers.record(
            meta.producer_id,
            meta.producer_epoch,
            CachedBatch {
                first_seq: meta.base_sequence,
                last_seq,
                base_offset,
                timestamp: meta.max_timestamp,
            },
        );
        if self.isr == [leader] {
            self.high_watermark = end_offset;
        }
        // Size retention on append; time retention waits for the next tick.
        self.apply_retention(None);
        Ok(Appended {
            base_offset,
            end_offset,
            log_start_offset: self.log_start_offset(),
            duplicate: false,
        })
    }

    fn lag_of(
        &self,
        broker: BrokerId,
        broker_lag: &dyn Fn(BrokerId) -> FollowerLag,
    ) -> FollowerLag {
        self.lag_overrides
            .get(&broker)
            .copied()
            .unwrap_or_else(|| broker_lag(broker))
    }

    /// Advances replication to `now`: followers that are up copy what their lag allows, the
    /// ISR shrinks and expands, and the high watermark moves. Returns true if anything changed.
    pub fn replicate(
        &mut self,
        now: u64,
        replica_lag_time_max_ms: u64,
        broker_lag: &dyn Fn(BrokerId) -> FollowerLag,
        is_up: &dyn Fn(BrokerId) -> bool,
    ) -> bool {
        let Some(leader) = self.leader else {
            return false;
        };
        let mut changed = false;
        let followers: Vec<BrokerId> = self
            .replicas
            .iter()
            .copied()
            .filter(|r| *r != leader)
            .collect();
        for f in followers {
            if !is_up(f) {
                continue;
            }
            let lag = self.lag_of(f, broker_lag);
            let FollowerLag::Millis(lag_ms) = lag else {
                continue;
            };
            if let Some(i) = self.needs_truncation.iter().position(|b| *b == f) {
                self.needs_truncation.swap_remove(i);
                changed |= self.truncate_follower(f);
            }
            // Before copying: the follower adopts the leader's log start, or starts over there
            // if its whole log is below it.
            changed |= self.follow_leader_start(f);
            // Batches appended at or before `cutoff` have reached this follower.
            let Some(cutoff) = now.checked_sub(lag_ms) else {
                continue;
            };
            let leader_log = &self.logs[&leader];
            let leader_end = leader_log.end_offset();
            let from = self.logs[&f].end_offset();
            let to_copy: Vec<StoredBatch> = leader_log
                .batches_since(from)
                .iter()
                .take_while(|b| b.appended_at <= cutoff)
                .cloned()
                .collect();
            let flog = self.logs.get_mut(&f).expect("replica log");
            for b in to_copy {
                flog.append(b);
                changed = true;
            }
            let caught_up_at = if flog.end_offset() >= leader_end {
                now
            } else {
                cutoff
            };
            let entry = self.last_caught_up.entry(f).or_insert(0);
            if caught_up_at > *entry {
                *entry = caught_up_at;
            }
        }
        // ISR shrink: followers that have not caught up within replica.lag.time.max.ms.
        let before = self.isr.len();
        let lcu = &self.last_caught_up;
        self.isr.retain(|r| {
            *r == leader
                || now.saturating_sub(lcu.get(r).copied().unwrap_or(0)) <= replica_lag_time_max_ms
        });
        changed |= self.isr.len() != before;
        // ISR expand: followers that are up and have reached the high watermark.
        for r in self.replicas.clone() {
            if !self.isr.contains(&r)
                && is_up(r)
                && !self.needs_truncation.contains(&r)
                && self.logs[&r].end_offset() >= self.high_watermark
                && now.saturating_sub(self.last_caught_up.get(&r).copied().unwrap_or(0))
                    <= replica_lag_time_max_ms
            {
                self.isr.push(r);
                changed = true;
            }
        }
        changed |= self.update_high_watermark();
        if self.apply_retention(Some(now)) > 0 {
            changed = true;
            // Followers that are up and fetching learn the new log start at once (the lag
            // delays records, not the log start).
            for f in self.replicas.clone() {
                if f != leader
                    && is_up(f)
                    && !self.needs_truncation.contains(&f)
                    && matches!(self.lag_of(f, broker_lag), FollowerLag::Millis(_))
                {
                    self.follow_leader_start(f);
                }
            }
        }
        changed
    }

    /// Moves follower `f`'s log start up to the leader's. Returns true if it moved.
    fn follow_leader_start(&mut self, f: BrokerId) -> bool {
        let Some(leader) = self.leader else {
            return false;
        };
        let start = self.logs[&leader].start_offset();
        let Some(flog) = self.logs.get_mut(&f) else {
            return false;
        };
        if flog.start_offset() >= start {
            return false;
        }
        if flog.end_offset() < start {
            tracing::debug!(
                partition = self.index,
                follower = f,
                log_end = flog.end_offset(),
                leader_log_start = start,
                "follower behind the leader's log start: starting over there"
            );
        }
        flog.advance_start_to(start);
        true
    }

    /// Retention on the leader: deletes its oldest batches while they lie entirely below the
    /// high watermark and either the log would still hold `retention.bytes` without the batch,
    /// or (with `now`, on a tick) the batch was appended more than `retention.ms` ago. Returns
    /// the records deleted.
    fn apply_retention(&mut self, now: Option<u64>) -> i64 {
        let Retention { bytes, ms } = self.retention;
        if bytes.is_none() && (ms.is_none() || now.is_none()) {
            return 0;
        }
        let Some(leader) = self.leader else {
            return 0;
        };
        let hw = self.high_watermark;
        let log = self.logs.get_mut(&leader).expect("leader has a log");
        let mut deleted = 0;
        while let Some(b) = log.first_batch()
            && b.last_offset < hw
        {
            let size = u64::try_from(log.size_bytes()).unwrap_or(u64::MAX);
            let len = u64::try_from(b.bytes.len()).unwrap_or(u64::MAX);
            let over_size = bytes.is_some_and(|limit| size.saturating_sub(len) >= limit);
            let expired = match (ms, now) {
                (Some(ms), Some(now)) => now.saturating_sub(b.appended_at) > ms,
                _ => false,
            };
            if !(over_size || expired) {
                break;
            }
            deleted += log.delete_oldest();
        }
        if deleted > 0 {
            self.deleted_records += u64::try_from(deleted).unwrap_or(0);
            tracing::debug!(
                partition = self.index,
                deleted,
                log_start = log.start_offset(),
                "retention deleted records"
            );
        }
        deleted
    }

    /// When time retention next deletes the leader's oldest batch (model ms), if it can: the
    /// batch must already be below the high watermark (otherwise replication moves it first).
    fn retention_due(&self) -> Option<u64> {
        let ms = self.retention.ms?;
        let b = self.leader_log()?.first_batch()?;
        (b.last_offset < self.high_watermark).then(|| b.appended_at.saturating_add(ms) + 1)
    }

    /// HW = min LEO over the ISR; it never moves backwards while the leader stays.
    fn update_high_watermark(&mut self) -> bool {
        let hw = self
            .isr
            .iter()
            .filter_map(|r| self.logs.get(r))
            .map(ReplicaLog::end_offset)
            .min()
            .unwrap_or(0);
        if hw > self.high_watermark {
            self.high_watermark = hw;
            true
        } else {
            false
        }
    }

    /// When replication next has something to do (model ms), for the server's timer.
    pub fn next_due(
        &self,
        now: u64,
        replica_lag_time_max_ms: u64,
        broker_lag: &dyn Fn(BrokerId) -> FollowerLag,
        is_up: &dyn Fn(BrokerId) -> bool,
    ) -> Option<u64> {
        let leader = self.leader?;
        let leader_log = &self.logs[&leader];
        let mut due: Option<u64> = None;
        let mut consider = |t: u64| due = Some(due.map_or(t, |d: u64| d.min(t)));
        if let Some(t) = self.retention_due() {
            consider(t.max(now));
        }
        for f in self.replicas.iter().copied().filter(|r| *r != leader) {
            if !is_up(f) {
                continue;
            }
            if let FollowerLag::Millis(lag) = self.lag_of(f, broker_lag)
                && let Some(b) = leader_log.batches_since(self.logs[&f].end_offset()).first()
            {
                consider((b.appended_at + lag).max(now));
            }
            if self.isr.contains(&f) && self.logs[&f].end_offset() < leader_log.end_offset() {
                let lcu = self.last_caught_up.get(&f).copied().unwrap_or(0);
                consider((lcu + replica_lag_time_max_ms + 1).max(now));
            }
        }
        due
    }

    /// Truncates follower `f` to where its log diverges from the leader's (Kafka's
    /// OffsetForLeaderEpoch exchange). Returns true if records were removed.
    fn truncate_follower(&mut self, f: BrokerId) -> bool {
        let Some(leader) = self.leader else {
            return false;
        };
        let follower_epoch = self.logs[&f].latest_epoch();
        // A follower with no epoch left (retention and truncation emptied its log) cannot ask
        // the leader where its epoch ended; as Kafka's fetcher, it truncates to the high
        // watermark instead.
        let end = if follower_epoch < 0 && self.logs[&f].start_offset() > 0 {
            self.high_watermark
        } else {
            self.logs[&leader].end_offset_for_epoch(follower_epoch).1
        };
        let flog = self.logs.get_mut(&f).expect("replica log");
        let target = end.min(flog.end_offset());
        let removed = flog.truncate_to(target);
        self.truncated_records += u64::try_from(removed).unwrap_or(0);
        removed > 0
    }

    /// Makes `new_leader` the leader with a new epoch. Followers truncate to the new leader's
    /// log when they next replicate (or at once if `truncate_now`).
    fn install_leader(&mut self, new_leader: Option<BrokerId>, is_up: &dyn Fn(BrokerId) -> bool) {
        self.leader = new_leader;
        self.leader_epoch += 1;
        if let Some(l) = new_leader {
            let log = self.logs.get_mut(&l).expect("replica log");
            log.start_epoch(self.leader_epoch);
            // From the state retention left behind plus the log: a producer whose batches were
            // all deleted is not forgotten.
            self.producers
                .rebuild_from(log.producers_below_start(), log.batches());
            // Followers that are up reconcile right away; others when they come back.
            self.needs_truncation = self.replicas.iter().copied().filter(|r| *r != l).collect();
            for f in self.needs_truncation.clone() {
                if is_up(f) {
                    self.truncate_follower(f);
                }
            }
            self.needs_truncation.retain(|f| !is_up(*f));
            // The new leader's high watermark cannot exceed its own log.
            let leo = self.logs[&l].end_offset();
            if self.high_watermark > leo {
                self.high_watermark = leo;
            }
        }
    }

    /// Handles a broker going down: it leaves the ISR (unless it is the last member, as in
    /// Kafka) and, if it led, a new leader is elected from the ISR — or, with unclean election,
    /// from any live replica.
    pub fn on_broker_down(&mut self, b: BrokerId, unclean: bool, is_up: &dyn Fn(BrokerId) -> bool) {
        if !self.replicas.contains(&b) {
            return;
        }
        if self.isr.len() > 1 {
            self.isr.retain(|r| *r != b);
        }
        if self.leader == Some(b) {
            self.elect(None, unclean, is_up);
        }
    }

    /// Elects a leader: `preferred` if given and eligible, else the first live ISR member in
    /// replica order; with `unclean`, any live replica when no ISR member is alive (its log
    /// becomes the truth and everything beyond it is lost).
    pub fn elect(
        &mut self,
        preferred: Option<BrokerId>,
        unclean: bool,
        is_up: &dyn Fn(BrokerId) -> bool,
    ) -> bool {
        let in_isr = |r: &BrokerId| self.isr.contains(r) && is_up(*r);
        let choice = preferred
            .filter(|p| in_isr(p))
            .or_else(|| self.replicas.iter().copied().find(|r| in_isr(r)));
        match choice {
            Some(l) => {
                self.isr.retain(|r| is_up(*r));
                if !self.isr.contains(&l) {
                    self.isr.push(l);
                }
                self.install_leader(Some(l), is_up);
                true
            }
            None if unclean => match self.replicas.iter().copied().find(|r| is_up(*r)) {
                Some(l) => {
                    self.isr = vec![l];
                    self.install_leader(Some(l), is_up);
                    // Unclean: the high watermark follows the new leader's log, even backwards.
                    self.high_watermark = self.logs[&l].end_offset();
                    true
                }
                None => {
                    self.leader = None;
                    false
                }
            },
            None => {
                if self.leader.is_some_and(|l| !is_up(l)) {
                    self.leader = None;
                    self.leader_epoch += 1;
                }
                false
            }
        }
    }

    /// Handles a broker coming back: its replica reconciles with the leader before copying,
    /// and an offline partition whose last ISR member returns gets it as leader.
    pub fn on_broker_up(
        &mut self,
        b: BrokerId,
        now: u64,
        unclean: bool,
        is_up: &dyn Fn(BrokerId) -> bool,
    ) {
        if !self.replicas.contains(&b) {
            return;
        }
        if self.leader.is_none() {
            self.elect(None, unclean, is_up);
            if self.leader.is_some() {
                return;
            }
        }
        if self.leader != Some(b) && !self.needs_truncation.contains(&b) {
            self.needs_truncation.push(b);
        }
        self.last_caught_up.entry(b).or_insert(now);
    }

    /// Reassigns the replicas (fault injection: "set followers"). New replicas start with an
    /// empty log, out of the ISR, and join it once replication has caught them up; removed
    /// replicas lose their log. If the leader is removed, the first live ISR member among the
    /// new replicas takes over. Fails (changing nothing) if no new replica could lead.
    pub fn set_replicas(
        &mut self,
        replicas: Vec<BrokerId>,
        now: u64,
        is_up: &dyn Fn(BrokerId) -> bool,
    ) -> Result<(), ErrorCode> {
        let mut dedup = Vec::with_capacity(replicas.len());
        for r in replicas {
            if !dedup.contains(&r) {
                dedup.push(r);
            }
        }
        if dedup.is_empty() {
            return Err(ErrorCode::InvalidReplicaAssignment);
        }
        let leader_stays = self.leader.is_some_and(|l| dedup.contains(&l));
        let new_leader = if leader_stays {
            self.leader
        } else {
            let l = dedup
                .iter()
                .copied()
                .find(|r| self.isr.contains(r) && is_up(*r));
            if l.is_none() {
                return Err(ErrorCode::EligibleLeadersNotAvailable);
            }
            l
        };
        for r in &dedup {
            if !self.logs.contains_key(r) {
                self.logs.insert(*r, ReplicaLog::default());
                self.last_caught_up.insert(*r, now);
            }
        }
        self.logs.retain(|b, _| dedup.contains(b));
        self.last_caught_up.retain(|b, _| dedup.contains(b));
        self.lag_overrides.retain(|b, _| dedup.contains(b));
        self.needs_truncation.retain(|b| dedup.contains(b));
        self.isr.retain(|b| dedup.contains(b));
        self.replicas = dedup;
        if !leader_stays {
            self.elect(new_leader, false, is_up);
        }
        let _ = self.update_high_watermark();
        Ok(())
    }

    /// Replaces the ISR (fault injection). The leader stays in it.
    pub fn set_isr(&mut self, isr: Vec<BrokerId>, now: u64) {
        self.isr = isr
            .into_iter()
            .filter(|r| self.replicas.contains(r))
            .collect();
        if let Some(l) = self.leader
            && !self.isr.contains(&l)
        {
            self.isr.insert(0, l);
        }
        for r in &self.isr {
            self.last_caught_up.insert(*r, now);
        }
        let _ = self.update_high_watermark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(n: i32) -> BatchMeta {
        BatchMeta {
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            record_count: n,
            last_offset_delta: n - 1,
            max_timestamp: 1,
        }
    }
    fn batch() -> Bytes {
        Bytes::from(vec![0u8; 70])
    }
    const MAX: u64 = 10_000;
    fn all_up(_: BrokerId) -> bool {
        true
    }
    fn lag(ms: u64) -> impl Fn(BrokerId) -> FollowerLag {
        move |_| FollowerLag::Millis(ms)
    }

    #[test]
    fn high_watermark_waits_for_every_isr_member() {
        let mut p = Partition::new(0, vec![1, 2, 3], true, 0);
        let a = p.append(&meta(5), &batch(), 0).unwrap();
        assert_eq!((a.base_offset, a.end_offset), (0, 5));
        assert_eq!(p.high_watermark, 0);
        // With a 100 ms lag nothing is copied at t=50...
        p.replicate(50, MAX, &lag(100), &all_up);
        assert_eq!(p.high_watermark, 0);
        assert_eq!(p.next_due(50, MAX, &lag(100), &all_up), Some(100));
        // ...and everything at t=100.
        p.replicate(100, MAX, &lag(100), &all_up);
        assert_eq!(p.high_watermark, 5);
        assert_eq!(p.logs[&2].end_offset(), 5);
    }

    #[test]
    fn stalled_follower_leaves_isr_and_rejoins_when_caught_up() {
        let mut p = Partition::new(0, vec![1, 2, 3], true, 0);
        let stall3 = |b: BrokerId| {
            if b == 3 {
                FollowerLag::Stalled
            } else {
                FollowerLag::Millis(0)
            }
        };
        p.append(&meta(1), &batch(), 0).unwrap();
        p.replicate(0, MAX, &stall3, &all_up);
        assert_eq!(p.isr, vec![1, 2, 3]);
        assert_eq!(
            p.high_watermark, 0,
            "HW held back by the stalled ISR member"
        );
        p.replicate(MAX + 1, MAX, &stall3, &all_up);
        assert_eq!(p.isr, vec![1, 2]);
        assert_eq!(p.high_watermark, 1);
        p.replicate(MAX + 2, MAX, &lag(0), &all_up);
        assert_eq!(p.isr, vec![1, 2, 3]);
    }

    #[test]
    fn acks_one_data_is_lost_when_the_leader_dies_before_replication() {
        let mut p = Partition::new(0, vec![1, 2, 3], true, 0);
        p.append(&meta(3), &batch(), 0).unwrap();
        p.replicate(0, MAX, &lag(0), &all_up);
        // Acknowledged at acks=1, never copied: followers are slow.
        p.append(&meta(2), &batch(), 10).unwrap();
        assert_eq!(p.log_end_offset(), 5);
        let up = |b: BrokerId| b != 1;
        p.on_broker_down(1, false, &up);
        assert_eq!(p.leader, Some(2));
        assert_eq!(p.leader_epoch, 1);
        assert_eq!(p.log_end_offset(), 3);
        // The old leader comes back and truncates the two records the new leader never had.
        p.on_broker_up(1, 20, false, &all_up);
        p.replicate(20, MAX, &lag(0), &all_up);
        assert_eq!(p.logs[&1].end_offset(), 3);
        assert!(p.isr.contains(&1));
        // New writes get the offsets the lost records had.
        assert_eq!(p.append(&meta(1), &batch(), 30).unwrap().base_offset, 3);
    }

    #[test]
    fn no_live_isr_member_means_offline_unless_unclean() {
        let mut p = Partition::new(0, vec![1, 2], true, 0);
        p.append(&meta(4), &batch(), 0).unwrap();
        p.set_isr(vec![1], 0);
        let up = |b: BrokerId| b == 2;
        p.on_broker_down(1, false, &up);
        assert_eq!(p.leader, None);
        assert_eq!(p.isr, vec![1]);
        assert!(p.elect(None, true, &up));
        assert_eq!(p.leader, Some(2));
        assert_eq!(p.high_watermark, 0);
        assert_eq!(p.log_end_offset(), 0);
    }

    #[test]
    fn idempotent_retry_after_failover_is_deduplicated_on_the_new_leader() {
        let mut p = Partition::new(0, vec![1, 2], true, 0);
        let m = BatchMeta {
            producer_id: 9,
            producer_epoch: 0,
            base_sequence: 0,
            record_count: 2,
            last_offset_delta: 1,
            max_timestamp: 5,
        };
        p.append(&m, &batch(), 0).unwrap();
        p.replicate(0, MAX, &lag(0), &all_up);
        p.on_broker_down(1, false, &|b| b != 1);
        let again = p.append(&m, &batch(), 1).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.base_offset, 0);
        assert_eq!(p.log_end_offset(), 2);
    }
}
