//! Idempotence: the producer id and epoch, per-partition sequence numbers, and the decisions
//! Kafka's Java client makes for idempotent (non-transactional) producers:
//!
//! * sequences are assigned when a batch is first drained and never change on a plain retry
//!   (the broker recognises a resent batch as a duplicate and answers with its offset);
//! * a retried batch is sent only when it is the lowest unacknowledged sequence of its
//!   partition, so order survives retries with up to 5 requests in flight;
//! * `OUT_OF_ORDER_SEQUENCE_NUMBER` for the batch right after the last acknowledged one is a
//!   real gap, and `UNKNOWN_PRODUCER_ID` means the broker lost the producer's state: both bump
//!   the epoch (locally, no request) and restart that partition's unacknowledged batches at
//!   sequence 0; other partitions move to the new epoch, at sequence 0, once they have nothing
//!   unacknowledged. An epoch at `i16::MAX` asks for a new producer id instead;
//! * `DUPLICATE_SEQUENCE_NUMBER` is success (without an offset);
//! * `OUT_OF_ORDER_SEQUENCE_NUMBER` for a batch *behind* the last acknowledged sequence (a
//!   later batch of the same epoch was acknowledged) fails that batch at once, as "maybe
//!   written": the broker appends only the next sequence, so the later batch's acceptance
//!   means this one was most likely written by an earlier attempt, and the broker no longer
//!   recognises it; retrying cannot change the answer, and no epoch bump is needed;
//! * a batch that expires after being sent leaves its sequence "unresolved": no new batch of
//!   that partition goes out until the batches before it are resolved, and if a gap remains,
//!   the epoch is bumped.
//!
//! Two deliberate differences from the Java client:
//!
//! * the epoch bump waits until the partitions whose sequences it rewrites have no request on
//!   the wire, so a response can never come back for a sequence that was renumbered under it;
//! * the first batch of a partition under a producer id and epoch travels alone: until it is
//!   acknowledged, no later batch of that partition is sent. A broker that has no state for
//!   the producer accepts *any* sequence (Kafka's `ProducerStateManager` does), so a pipelined
//!   second batch could be written while the first one failed before its append (say
//!   `NOT_LEADER_OR_FOLLOWER`); the first could then never be written in order, and an epoch
//!   bump to recover it would rewrite the second as a duplicate if its acknowledgement was
//!   lost. Waiting one round trip per partition at start-up rules this out;
//! * no new batch of a partition is sent while one of its batches is being retried. A retried
//!   batch may have been written by its first attempt (REQUEST_TIMED_OUT and
//!   NOT_ENOUGH_REPLICAS_AFTER_APPEND come after the append): its retry is recognised as a
//!   duplicate only while it is among the broker's last 5 batches of the producer, and new
//!   batches appended behind a retry that failed again (say NOT_LEADER_OR_FOLLOWER) would push
//!   it out, turning the next retry into OUT_OF_ORDER_SEQUENCE_NUMBER.

use std::collections::{BTreeSet, HashMap};

use kwire_protocol::ErrorCode;

use crate::accumulator::{Batch, DrainGate};
use crate::sequence::{ProducerIdAndEpoch, Tp, add_seq, seq_before};

#[derive(Debug, Clone)]
struct PartitionSeq {
    producer: ProducerIdAndEpoch,
    next_seq: i32,
    last_acked: i32,
    last_acked_offset: i64,
    /// Base sequences assigned and not yet acknowledged or failed.
    unacked: BTreeSet<i32>,
    /// Base sequences of unacknowledged batches that came back with an error and are retried.
    retrying: BTreeSet<i32>,
    unresolved_next: Option<i32>,
}

impl PartitionSeq {
    fn new(producer: ProducerIdAndEpoch) -> Self {
        PartitionSeq {
            producer,
            next_seq: 0,
            last_acked: -1,
            last_acked_offset: -1,
            unacked: BTreeSet::new(),
            retrying: BTreeSet::new(),
            unresolved_next: None,
        }
    }
}

/// What [`Idempotence::maybe_bump`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bump {
    /// The epoch went up: restart the sequences of these partitions' queued batches.
    Bumped(Vec<Tp>),
    /// The epoch is exhausted: a new producer id is needed (InitProducerId).
    NeedNewProducerId,
}

/// Producer id, epoch and sequence state. See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Idempotence {
    producer: Option<ProducerIdAndEpoch>,
    init_in_flight: bool,
    bump_required: bool,
    rewrite: BTreeSet<Tp>,
    parts: HashMap<Tp, PartitionSeq>,
}

impl Idempotence {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current producer id and epoch.
    pub fn producer(&self) -> Option<ProducerIdAndEpoch> {
        self.producer
    }

    /// Whether an InitProducerId request should be sent now.
    pub fn needs_init(&self) -> bool {
        self.producer.is_none() && !self.init_in_flight
    }

    /// An InitProducerId request was sent.
    pub fn init_sent(&mut self) {
        self.init_in_flight = true;
    }

    /// The InitProducerId request failed (it will be sent again).
    pub fn init_failed(&mut self) {
        self.init_in_flight = false;
    }

    /// A producer id arrived. Returns the partitions whose queued batches must restart their
    /// sequences under it.
    pub fn set_producer(&mut self, p: ProducerIdAndEpoch) -> Vec<Tp> {
        self.init_in_flight = false;
        self.producer = Some(p);
        self.bump_required = false;
        std::mem::take(&mut self.rewrite).into_iter().collect()
    }

    /// Whether an epoch bump is pending.
    #[cfg(test)]
    pub fn bump_required(&self) -> bool {
        self.bump_required
    }

    fn request_bump(&mut self, tp: Tp) {
        self.bump_required = true;
        self.rewrite.insert(tp);
    }

    /// Whether `batch` lies at or before the last acknowledged sequence of its partition under
    /// the same producer id and epoch: a later batch was written before it.
    fn is_behind(&self, batch: &Batch) -> bool {
        let Some(p) = self.parts.get(&batch.tp) else {
            return false;
        };
        Some(p.producer) == batch.producer
            && p.last_acked >= 0
            && !seq_before(p.last_acked, batch.last_sequence())
    }

    fn is_next(&self, tp: Tp, seq: i32) -> bool {
        let last = self.parts.get(&tp).map_or(-1, |p| p.last_acked);
        seq.wrapping_sub(last) == 1
    }

    /// Unacknowledged batches of `tp`.
    #[cfg(test)]
    pub fn unacked(&self, tp: Tp) -> usize {
        self.parts.get(&tp).map_or(0, |p| p.unacked.len())
    }

    /// The next sequence `tp` would assign.
    #[cfg(test)]
    pub fn next_sequence(&self, tp: Tp) -> i32 {
        self.parts.get(&tp).map_or(0, |p| p.next_seq)
    }

    /// `big` was split into `parts` (same producer stamp, consecutive sequences): track the
    /// parts instead.
    pub fn on_split(&mut self, big_base: i32, parts: &[Batch]) {
        let Some(first) = parts.first() else {
            return;
        };
        let Some(p) = self.parts.get_mut(&first.tp) else {
            return;
        };
        if Some(p.producer) != first.producer {
            return;
        }
        p.unacked.remove(&big_base);
        for b in parts {
            p.unacked.insert(b.base_sequence);
        }
    }

    /// The batch was acknowledged.
    pub fn on_success(&mut self, batch: &Batch, base_offset: i64) {
        let Some(p) = self.parts.get_mut(&batch.tp) else {
            return;
        };
        if Some(p.producer) != batch.producer {
            return;
        }
        p.unacked.remove(&batch.base_sequence);
        p.retrying.remove(&batch.base_sequence);
        let last = batch.last_sequence();
        if p.last_acked < 0 || seq_before(p.last_acked, last) {
            p.last_acked = last;
        }
        if base_offset >= 0 {
            p.last_acked_offset = p
                .last_acked_offset
                .max(base_offset + i64::from(batch.record_count()) - 1);
        }
    }

    /// Whether a batch that got `error` may be retried, updating the state as the Java client
    /// does for idempotent producers (this may request an epoch bump).
    pub fn can_retry(&mut self, batch: &Batch, error: ErrorCode, log_start_offset: i64) -> bool {
        let retry = self.retry_decision(batch, error, log_start_offset);
        if retry
            && let Some(p) = self.parts.get_mut(&batch.tp)
            && Some(p.producer) == batch.producer
        {
            p.retrying.insert(batch.base_sequence);
        }
        retry
    }

    fn retry_decision(&mut self, batch: &Batch, error: ErrorCode, log_start_offset: i64) -> bool {
        let tp = batch.tp;
        match error {
            ErrorCode::UnknownProducerId => {
                if log_start_offset == -1 || batch.sequence_reset {
                    return true;
                }
                self.request_bump(tp);
                true
            }
            ErrorCode::OutOfOrderSequenceNumber => {
                if self.is_behind(batch) {
                    // A later batch is already written: this one can never be, in order.
                    return false;
                }
                let unresolved = self.parts.get(&tp).and_then(|p| p.unresolved_next);
                if unresolved.is_none()
                    && (batch.sequence_reset || !self.is_next(tp, batch.base_sequence))
                {
                    // Not the next batch: an earlier one failed, this one follows it round.
                    return true;
                }
                if unresolved.is_none() || unresolved == Some(batch.base_sequence) {
                    self.request_bump(tp);
                }
                true
            }
            e => e.is_retriable(),
        }
    }

    /// The batch failed for good. `adjust`: its sequence may not have been written, so later
    /// sequences would leave a gap (the epoch is bumped).
    pub fn on_failed(&mut self, batch: &Batch, error: Option<ErrorCode>, adjust: bool) {
        let tp = batch.tp;
        let behind = self.is_behind(batch);
        if let Some(p) = self.parts.get_mut(&tp)
            && Some(p.producer) == batch.producer
        {
            p.unacked.remove(&batch.base_sequence);
            p.retrying.remove(&batch.base_sequence);
        }
        if batch.producer.is_none() {
            return; // never sent: no sequence was used
        }
        match error {
            // Behind the acknowledged sequence: the broker already continues past it.
            Some(ErrorCode::OutOfOrderSequenceNumber) if behind => {}
            Some(ErrorCode::OutOfOrderSequenceNumber) => self.request_bump(tp),
            Some(ErrorCode::UnknownProducerId) => {
                self.parts.remove(&tp);
            }
            _ if adjust => self.request_bump(tp),
            _ => {}
        }
    }

    /// A batch expired after it was sent: its fate is unknown.
    pub fn mark_unresolved(&mut self, batch: &Batch) {
        if let Some(p) = self.parts.get_mut(&batch.tp) {
            let next = add_seq(batch.last_sequence(), 1);
            p.unresolved_next = Some(p.unresolved_next.map_or(next, |n| n.max(next)));
        }
    }

    /// Resolves partitions whose unknown batches are all accounted for: if the batches after
    /// them were acknowledged, nothing is missing; otherwise bump the epoch.
    pub fn maybe_resolve(&mut self) {
        let mut bump = Vec::new();
        for (tp, p) in &mut self.parts {
            if p.unresolved_next.is_some() && p.unacked.is_empty() {
                if p.next_seq.wrapping_sub(p.last_acked) != 1 {
                    bump.push(*tp);
                }
                p.unresolved_next = None;
            }
        }
        for tp in bump {
            self.request_bump(tp);
        }
    }

    /// Bumps the epoch if one is required and the partitions it rewrites have nothing on the
    /// wire (`on_wire`).
    pub fn maybe_bump(&mut self, on_wire: impl Fn(Tp) -> usize) -> Option<Bump> {
        if !self.bump_required {
            return None;
        }
        let p = self.producer?;
        if self.rewrite.iter().any(|&tp| on_wire(tp) > 0) {
            return None;
        }
        if p.epoch == i16::MAX {
            self.producer = None;
            self.init_in_flight = false;
            return Some(Bump::NeedNewProducerId);
        }
        self.producer = Some(ProducerIdAndEpoch {
            id: p.id,
            epoch: p.epoch + 1,
        });
        self.bump_required = false;
        Some(Bump::Bumped(
            std::mem::take(&mut self.rewrite).into_iter().collect(),
        ))
    }

    /// Restarts `tp` at sequence 0 under the current producer id/epoch, renumbering its
    /// `batches` (its unacknowledged batches, in order).
    pub fn restart_sequences<'a>(&mut self, tp: Tp, batches: impl Iterator<Item = &'a mut Batch>) {
        let Some(producer) = self.producer else {
            return;
        };
        let mut p = PartitionSeq::new(producer);
        for b in batches {
            if b.producer.is_none() {
                continue;
            }
            b.producer = Some(producer);
            b.base_sequence = p.next_seq;
            b.sequence_reset = true;
            b.encoded = None;
            p.unacked.insert(p.next_seq);
            p.next_seq = add_seq(p.next_seq, b.record_count());
        }
        self.parts.insert(tp, p);
    }
}

impl DrainGate for Idempotence {
    fn can_drain(&mut self, tp: Tp, batch: &Batch, _on_wire: usize) -> bool {
        let Some(current) = self.producer else {
            return false;
        };
        if self.bump_required && self.rewrite.contains(&tp) {
            return false;
        }
        let Some(p) = self.parts.get(&tp) else {
            return true;
        };
        if batch.producer.is_none() {
            if p.producer != current && !p.unacked.is_empty() {
                // Old-epoch batches still unacknowledged: a new epoch at sequence 0 now
                // could overtake them.
                return false;
            }
            if p.unresolved_next.is_some() {
                return false;
            }
            if p.producer == current && p.last_acked < 0 && !p.unacked.is_empty() {
                // The first batch under this producer id and epoch travels alone (module
                // docs).
                return false;
            }
            if !p.retrying.is_empty() {
                // No new batch behind a retry (module docs).
                return false;
            }
        } else if let Some(&first) = p.unacked.first() {
            // A retry goes only when it is the first unacknowledged batch.
            if batch.base_sequence != first {
                return false;
            }
        }
        true
    }

    fn on_drain(&mut self, tp: Tp, batch: &mut Batch) {
        if batch.producer.is_some() {
            return;
        }
        let Some(current) = self.producer else {
            return;
        };
        let p = self
            .parts
            .entry(tp)
            .or_insert_with(|| PartitionSeq::new(current));
        if p.producer != current && p.unacked.is_empty() {
            *p = PartitionSeq::new(current);
        }
        batch.producer = Some(current);
        batch.base_sequence = p.next_seq;
        p.unacked.insert(p.next_seq);
        p.next_seq = add_seq(p.next_seq, batch.record_count());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use bytes::Bytes;

    use super::*;
    use crate::accumulator::{Accumulator, AccumulatorConfig};
    use crate::batch::PendingRecord;

    const TP: Tp = Tp {
        topic: 0,
        partition: 0,
    };
    const PID: ProducerIdAndEpoch = ProducerIdAndEpoch { id: 7, epoch: 0 };

    fn acc() -> Accumulator {
        let mut a = Accumulator::new(AccumulatorConfig {
            batch_size: 100,
            batch_max_size: 100,
            linger: Duration::ZERO,
            delivery_timeout: Duration::from_secs(60),
            buffer_memory: 1 << 20,
            max_request_size: 1 << 20,
            guarantee_order: false,
        });
        a.topic_index(&Arc::from("t"));
        a
    }

    /// Appends one batch of `n` records and drains it through the gate.
    fn send(a: &mut Accumulator, idem: &mut Idempotence, n: usize, t: Instant) -> Option<Batch> {
        for _ in 0..n {
            a.append(
                TP,
                PendingRecord {
                    timestamp: 0,
                    key: None,
                    value: Some(Bytes::from_static(b"v")),
                    headers: vec![],
                },
                0,
                t,
            );
        }
        drain(a, idem, t)
    }

    /// Drains at most one batch (one partition, one node) through the gate.
    fn drain(a: &mut Accumulator, idem: &mut Idempotence, t: Instant) -> Option<Batch> {
        a.drain(t, 1, 1 << 20, |_| Some(1), idem).pop()
    }

    /// Sends a one-record batch at sequence 0 and acknowledges it at offset 0, so that the
    /// partition pipelines.
    fn ack_first_batch(a: &mut Accumulator, idem: &mut Idempotence, t: Instant) {
        let b0 = send(a, idem, 1, t).unwrap();
        idem.on_success(&b0, 0);
        a.returned(TP);
    }

    #[test]
    fn no_drain_without_producer_id() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        assert!(idem.needs_init());
        assert!(send(&mut a, &mut idem, 1, t).is_none());
        idem.init_sent();
        assert!(!idem.needs_init());
        idem.set_producer(PID);
        let b = send(&mut a, &mut idem, 0, t).unwrap();
        assert_eq!((b.producer, b.base_sequence), (Some(PID), 0));
    }

    #[test]
    fn sequences_advance_by_record_count_and_acks_track() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        let b0 = send(&mut a, &mut idem, 1, t).unwrap();
        idem.on_success(&b0, 99);
        a.returned(TP);
        let b1 = send(&mut a, &mut idem, 3, t).unwrap();
        let b2 = send(&mut a, &mut idem, 2, t).unwrap();
        assert_eq!((b1.base_sequence, b1.last_sequence()), (1, 3));
        assert_eq!((b2.base_sequence, b2.last_sequence()), (4, 5));
        assert_eq!(idem.unacked(TP), 2);
        idem.on_success(&b1, 100);
        idem.on_success(&b2, 103);
        assert_eq!(idem.unacked(TP), 0);
        assert_eq!(idem.next_sequence(TP), 6);
    }

    #[test]
    fn first_batch_of_an_epoch_travels_alone() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        let b0 = send(&mut a, &mut idem, 1, t).unwrap();
        // Nothing acknowledged yet under this epoch: the next batch waits...
        assert!(send(&mut a, &mut idem, 1, t).is_none());
        // ...also while the first is retried after an error before its append...
        assert!(idem.can_retry(&b0, ErrorCode::NotLeaderOrFollower, 0));
        a.returned(TP);
        a.reenqueue(b0);
        let r0 = drain(&mut a, &mut idem, t).unwrap();
        assert_eq!(r0.base_sequence, 0);
        assert!(drain(&mut a, &mut idem, t).is_none());
        // ...and pipelining starts once it is acknowledged.
        idem.on_success(&r0, 0);
        a.returned(TP);
        let b1 = send(&mut a, &mut idem, 0, t).unwrap();
        let b2 = send(&mut a, &mut idem, 1, t).unwrap();
        assert_eq!((b1.base_sequence, b2.base_sequence), (1, 2));
    }

    #[test]
    fn no_new_batch_behind_a_retry() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        ack_first_batch(&mut a, &mut idem, t);
        let b1 = send(&mut a, &mut idem, 1, t).unwrap(); // seq 1
        let b2 = send(&mut a, &mut idem, 1, t).unwrap(); // seq 2
        // b1 was written but answered REQUEST_TIMED_OUT; b2 is acknowledged.
        assert!(idem.can_retry(&b1, ErrorCode::RequestTimedOut, 0));
        idem.on_success(&b2, 2);
        a.returned(TP);
        a.returned(TP);
        a.reenqueue(b1);
        // A new record arrives: only the retry goes...
        let r1 = send(&mut a, &mut idem, 1, t).unwrap();
        assert_eq!(r1.base_sequence, 1);
        // ...and nothing new behind it, also while it fails again before the append.
        assert!(drain(&mut a, &mut idem, t).is_none());
        assert!(idem.can_retry(&r1, ErrorCode::NotLeaderOrFollower, 0));
        a.returned(TP);
        a.reenqueue(r1);
        let r1 = drain(&mut a, &mut idem, t).unwrap();
        assert_eq!(r1.base_sequence, 1);
        assert!(drain(&mut a, &mut idem, t).is_none());
        // The broker still has it among its last 5 batches: a duplicate, with its offset.
        idem.on_success(&r1, 1);
        a.returned(TP);
        let b3 = drain(&mut a, &mut idem, t).unwrap();
        assert_eq!(b3.base_sequence, 3);
    }

    #[test]
    fn out_of_order_behind_last_acked_fails_without_bump() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        ack_first_batch(&mut a, &mut idem, t);
        let b1 = send(&mut a, &mut idem, 2, t).unwrap(); // seq 1-2
        let b2 = send(&mut a, &mut idem, 2, t).unwrap(); // seq 3-4
        // b2 was written although b1 was not (say the broker lost its producer state).
        idem.on_success(&b2, 1);
        assert!(!idem.can_retry(&b1, ErrorCode::OutOfOrderSequenceNumber, 0));
        idem.on_failed(&b1, Some(ErrorCode::OutOfOrderSequenceNumber), true);
        assert!(!idem.bump_required(), "the broker continues after seq 4");
        assert_eq!(idem.unacked(TP), 0);
        a.returned(TP);
        a.returned(TP);
        let b3 = send(&mut a, &mut idem, 1, t).unwrap();
        assert_eq!((b3.base_sequence, b3.producer), (5, Some(PID)));
    }

    #[test]
    fn retry_keeps_sequence_and_waits_its_turn() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        ack_first_batch(&mut a, &mut idem, t);
        let b1 = send(&mut a, &mut idem, 1, t).unwrap();
        let b2 = send(&mut a, &mut idem, 1, t).unwrap();
        // Both fail with NOT_LEADER: retriable, no bump.
        assert!(idem.can_retry(&b1, ErrorCode::NotLeaderOrFollower, 0));
        assert!(idem.can_retry(&b2, ErrorCode::NotLeaderOrFollower, 0));
        assert!(!idem.bump_required());
        a.returned(TP);
        a.returned(TP);
        a.reenqueue(b2);
        // b2 (seq 1) is first in the queue but b1 (seq 0) is the first unacked: no drain.
        assert!(drain(&mut a, &mut idem, t).is_none());
        a.reenqueue(b1);
        let r1 = drain(&mut a, &mut idem, t).unwrap();
        assert_eq!(r1.base_sequence, 1, "same sequence on retry");
        // One batch per partition per drain, and b2 waits until b1 is acked.
        assert!(drain(&mut a, &mut idem, t).is_none());
        idem.on_success(&r1, 1);
        let r2 = drain(&mut a, &mut idem, t).unwrap();
        assert_eq!(r2.base_sequence, 2);
    }

    #[test]
    fn out_of_order_on_next_batch_bumps_epoch_and_restarts_sequences() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        let b0 = send(&mut a, &mut idem, 2, t).unwrap();
        idem.on_success(&b0, 0);
        a.returned(TP);
        let b1 = send(&mut a, &mut idem, 2, t).unwrap(); // seq 2-3
        let b2 = send(&mut a, &mut idem, 2, t).unwrap(); // seq 4-5
        // b2 is not the next batch: plain retry, no bump.
        assert!(idem.can_retry(&b2, ErrorCode::OutOfOrderSequenceNumber, 0));
        assert!(!idem.bump_required());
        // b1 is the next one: a real gap, bump.
        assert!(idem.can_retry(&b1, ErrorCode::OutOfOrderSequenceNumber, 0));
        assert!(idem.bump_required());
        // Not while b2 is still on the wire for TP.
        assert_eq!(idem.maybe_bump(|_| 1), None);
        a.returned(TP);
        a.returned(TP);
        a.reenqueue(b2);
        a.reenqueue(b1);
        let Some(Bump::Bumped(tps)) = idem.maybe_bump(|_| 0) else {
            panic!("expected a bump");
        };
        assert_eq!(tps, vec![TP]);
        assert_eq!(
            idem.producer(),
            Some(ProducerIdAndEpoch { id: 7, epoch: 1 })
        );
        idem.restart_sequences(TP, a.queued_mut(TP));
        let seqs: Vec<_> = a
            .queued_mut(TP)
            .map(|b| (b.base_sequence, b.producer.unwrap().epoch))
            .collect();
        assert_eq!(seqs, vec![(0, 1), (2, 1)]);
        let r = drain(&mut a, &mut idem, t).unwrap();
        assert!(r.sequence_reset && r.encoded.is_none());
        assert_eq!(r.base_sequence, 0);
    }

    #[test]
    fn unknown_producer_id_bumps_when_log_start_known() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        let b = send(&mut a, &mut idem, 1, t).unwrap();
        assert!(idem.can_retry(&b, ErrorCode::UnknownProducerId, -1));
        assert!(
            !idem.bump_required(),
            "log start offset unknown: just retry"
        );
        assert!(idem.can_retry(&b, ErrorCode::UnknownProducerId, 10));
        assert!(idem.bump_required());
    }

    #[test]
    fn other_partitions_move_to_new_epoch_when_idle() {
        let t = Instant::now();
        let mut a = acc();
        let other = Tp {
            topic: 0,
            partition: 1,
        };
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        // `other` has one batch in flight under epoch 0.
        a.append(
            other,
            PendingRecord {
                timestamp: 0,
                key: None,
                value: None,
                headers: vec![],
            },
            0,
            t,
        );
        let ob = drain(&mut a, &mut idem, t).unwrap();
        // TP gets a gap → bump.
        let b = send(&mut a, &mut idem, 1, t).unwrap();
        assert!(idem.can_retry(&b, ErrorCode::OutOfOrderSequenceNumber, 0));
        a.returned(TP);
        a.reenqueue(b);
        assert!(matches!(
            idem.maybe_bump(|tp| usize::from(tp == other)),
            Some(Bump::Bumped(_))
        ));
        // A new batch for `other` waits while its epoch-0 batch is unacknowledged...
        a.append(
            other,
            PendingRecord {
                timestamp: 0,
                key: None,
                value: None,
                headers: vec![],
            },
            0,
            t,
        );
        let gate_ok = |a: &Accumulator, idem: &mut Idempotence| {
            let q = a.queue(other).unwrap();
            idem.can_drain(other, q.batches.front().unwrap(), q.on_wire)
        };
        assert!(!gate_ok(&a, &mut idem));
        idem.on_success(&ob, 0);
        // ...then starts at sequence 0 of epoch 1.
        assert!(gate_ok(&a, &mut idem));
        let nb = a.queued_mut(other).next().unwrap();
        idem.on_drain(other, nb);
        assert_eq!(nb.producer.unwrap().epoch, 1);
        assert_eq!(nb.base_sequence, 0);
    }

    #[test]
    fn expired_in_flight_batch_blocks_partition_until_resolved() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(PID);
        let b0 = send(&mut a, &mut idem, 1, t).unwrap();
        a.returned(TP);
        // Expired after being sent: fate unknown.
        idem.on_failed(&b0, None, false);
        idem.mark_unresolved(&b0);
        a.append(
            TP,
            PendingRecord {
                timestamp: 0,
                key: None,
                value: None,
                headers: vec![],
            },
            0,
            t,
        );
        // Nothing unacked and the gap is real (seq 0 never acked): resolve bumps the epoch.
        idem.maybe_resolve();
        assert!(idem.bump_required());
        assert!(matches!(idem.maybe_bump(|_| 0), Some(Bump::Bumped(_))));
        idem.restart_sequences(TP, a.queued_mut(TP));
        let b = drain(&mut a, &mut idem, t).unwrap();
        assert_eq!((b.base_sequence, b.producer.unwrap().epoch), (0, 1));
    }

    #[test]
    fn epoch_exhaustion_asks_for_new_producer_id() {
        let t = Instant::now();
        let mut a = acc();
        let mut idem = Idempotence::new();
        idem.set_producer(ProducerIdAndEpoch {
            id: 1,
            epoch: i16::MAX,
        });
        let b = send(&mut a, &mut idem, 1, t).unwrap();
        idem.on_failed(&b, Some(ErrorCode::OutOfOrderSequenceNumber), true);
        assert_eq!(idem.maybe_bump(|_| 0), Some(Bump::NeedNewProducerId));
        assert!(idem.needs_init());
        assert_eq!(
            idem.set_producer(ProducerIdAndEpoch { id: 2, epoch: 0 }),
            vec![TP]
        );
    }
}
