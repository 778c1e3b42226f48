//! The record accumulator: per-partition queues of batches, sendable at `batch.size` or
//! after `linger.ms`, drained one batch per partition per request and grouped by leader broker;
//! `buffer.memory` accounting; expiry by `delivery.timeout.ms`.
//!
//! A batch that reached `batch.size` is sendable, and it goes on taking records until it is
//! drained or reaches `batch.max.size` (KIP-782's idea): while its leader's connection has a
//! request out, the partition's backlog collects in one batch (`ReadyCheck::pressing`),
//! and the request sent when the answer comes carries all of it. When the connection has
//! nothing out the sender drains the batch as soon as it is sendable, so at low load batches
//! stay near `batch.size` and latency is that of fixed batches.
//!
//! Pure data and functions of an explicit `now`; the [`engine`](crate::engine) drives it.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kwire_protocol::ErrorCode;

use crate::batch::{BATCH_OVERHEAD, PendingRecord, record_size};
use crate::delivery::{BatchOutcome, DeliveryFuture};
use crate::sequence::{ProducerIdAndEpoch, Tp, add_seq, seq_before};

/// A batch of records for one partition.
#[derive(Debug)]
pub(crate) struct Batch {
    pub id: u64,
    pub tp: Tp,
    pub records: Vec<PendingRecord>,
    /// Exact encoded size, uncompressed, header included.
    pub size: usize,
    /// Bytes of `buffer.memory` this batch holds.
    pub reserved: usize,
    pub base_timestamp: i64,
    pub created: Instant,
    pub deadline: Instant,
    /// Still accepting records (never drained).
    pub open: bool,
    /// Reached `batch.size`, or a record did not fit: sendable now.
    pub full: bool,
    /// Reached `batch.max.size` (or a record did not fit): takes no more records.
    pub at_max: bool,
    /// Times sent so far.
    pub attempts: u32,
    /// Not to be sent again before this.
    pub backoff_until: Option<Instant>,
    /// Producer id/epoch and base sequence, once assigned (idempotent producers).
    pub producer: Option<ProducerIdAndEpoch>,
    pub base_sequence: i32,
    /// The sequence was rewritten after an epoch bump.
    pub sequence_reset: bool,
    /// The encoded batch for the current producer stamp.
    pub encoded: Option<Bytes>,
    /// The last error a broker returned for it.
    pub last_error: Option<ErrorCode>,
    /// Its records were already failed with a delivery timeout while it was on the wire; the
    /// response still settles its sequences, but reports nothing more to the records.
    pub expired: bool,
    /// Where its records' outcomes go.
    pub outcome: BatchOutcome,
}

impl Batch {
    fn new(id: u64, tp: Tp, now: Instant, delivery_timeout: Duration) -> Self {
        Batch {
            id,
            tp,
            records: Vec::new(),
            size: BATCH_OVERHEAD,
            reserved: 0,
            base_timestamp: 0,
            created: now,
            deadline: now + delivery_timeout,
            open: true,
            full: false,
            at_max: false,
            attempts: 0,
            backoff_until: None,
            producer: None,
            base_sequence: -1,
            sequence_reset: false,
            encoded: None,
            last_error: None,
            expired: false,
            outcome: BatchOutcome::new(),
        }
    }

    /// Records in the batch.
    pub fn record_count(&self) -> i32 {
        self.records.len() as i32
    }

    /// Sequence of the last record (sequences wrap from `i32::MAX` to 0, as Kafka's do).
    pub fn last_sequence(&self) -> i32 {
        add_seq(self.base_sequence, self.record_count() - 1)
    }

    /// Whether the batch was sent at least once.
    pub fn in_retry(&self) -> bool {
        self.attempts > 0
    }

    /// Appends if the batch has room: its estimated size once compressed (`ratio` ×
    /// records, plus the header) stays within `limits.max`, and its uncompressed size within
    /// `limits.hard_cap`. Marks it full (sendable) once the estimate reaches `limits.batch`.
    fn append(
        &mut self,
        rec: PendingRecord,
        reserved: usize,
        limits: &SizeLimits,
        ratio: f32,
    ) -> Result<DeliveryFuture, PendingRecord> {
        if self.records.is_empty() {
            self.base_timestamp = rec.timestamp;
        }
        let n = record_size(
            rec.timestamp.wrapping_sub(self.base_timestamp),
            self.records.len() as i32,
            rec.key.as_deref(),
            rec.value.as_deref(),
            &rec.headers,
        );
        let estimate = |size: usize| {
            BATCH_OVERHEAD + ((size - BATCH_OVERHEAD) as f64 * f64::from(ratio)).ceil() as usize
        };
        // The estimate may let compressible batches grow past their limit, never past what
        // one request may carry uncompressed.
        if !self.records.is_empty()
            && (estimate(self.size + n) > limits.max || self.size + n > limits.hard_cap)
        {
            self.full = true;
            self.at_max = true;
            return Err(rec);
        }
        let delivery = self
            .outcome
            .future(self.records.len() as u32, rec.timestamp);
        self.records.push(rec);
        self.size += n;
        self.reserved += reserved;
        let estimated = estimate(self.size);
        if estimated >= limits.batch {
            self.full = true;
        }
        if estimated >= limits.max || self.size >= limits.hard_cap {
            self.at_max = true;
        }
        Ok(delivery)
    }
}

/// How large a batch may grow.
#[derive(Debug, Clone, Copy)]
struct SizeLimits {
    /// `batch.size`: sendable from this (estimated, compressed) size on.
    batch: usize,
    /// `batch.max.size`: no record is added past this (estimated, compressed) size.
    max: usize,
    /// `max.request.size`: no record is added past this uncompressed size.
    hard_cap: usize,
}

/// One partition's queue.
#[derive(Debug, Default)]
pub(crate) struct PartitionQueue {
    /// Retried batches first (in sequence order), then new ones; the last may be open.
    pub batches: VecDeque<Batch>,
    /// Batches of this partition in requests without an outcome yet.
    pub on_wire: usize,
    /// No drain while a batch is in flight (ordering without idempotence, one in flight).
    pub muted: bool,
}

impl PartitionQueue {
    fn all_batches_full(&self) -> bool {
        self.batches.back().is_none_or(|b| !b.open || b.full)
    }
}

#[derive(Debug)]
pub(crate) struct TopicQueues {
    pub name: Arc<str>,
    pub partitions: Vec<PartitionQueue>,
    /// Estimated compressed/uncompressed size of this topic's records (1.0 uncompressed).
    pub compression_ratio: f32,
}

/// How much an estimated compression ratio moves toward what a batch showed: up fast (a
/// batch larger than estimated risks oversized requests), down slowly, as Kafka's clients do.
const RATIO_DETERIORATE_STEP: f32 = 0.05;
const RATIO_IMPROVE_STEP: f32 = 0.005;

/// At most this many records' room is reserved when a batch starts (then it grows as usual).
const MAX_PRESIZED_RECORDS: usize = 512;

/// What [`Accumulator::append`] did.
#[derive(Debug)]
pub(crate) struct Appended {
    /// A new batch was started for the record.
    pub new_batch: bool,
    /// A batch is now full (the sender should look).
    pub batch_full: bool,
    /// The record's outcome.
    pub delivery: DeliveryFuture,
}

/// The result of [`Accumulator::ready`].
#[derive(Debug, Default)]
pub(crate) struct ReadyCheck {
    /// Leaders with a batch to send now.
    pub nodes: BTreeSet<i32>,
    /// Those of `nodes` with a batch that should not wait for the connection to free up: it
    /// cannot grow any more (at `batch.max.size`, queued behind another, a retry), it is
    /// sendable by `linger.ms` rather than by size, or a flush, close or full `buffer.memory`
    /// wants everything out.
    pub pressing: BTreeSet<i32>,
    /// When another partition becomes sendable (linger or backoff ends).
    pub next_check: Option<Instant>,
    /// Some partition with data has no known leader.
    pub unknown_leader: bool,
}

/// Decides, for idempotent producers, whether a partition's first batch may be drained, and
/// stamps it with a producer id and sequence when it is.
pub(crate) trait DrainGate {
    /// Whether `batch`, first in `tp`'s queue, may go now.
    fn can_drain(&mut self, tp: Tp, batch: &Batch, on_wire: usize) -> bool;
    /// `batch` is being drained: assign what it needs.
    fn on_drain(&mut self, tp: Tp, batch: &mut Batch);
}

/// No idempotence: every batch may go.
pub(crate) struct NoGate;

impl DrainGate for NoGate {
    fn can_drain(&mut self, _: Tp, _: &Batch, _: usize) -> bool {
        true
    }
    fn on_drain(&mut self, _: Tp, _: &mut Batch) {}
}

/// Settings the accumulator needs.
#[derive(Debug, Clone)]
pub(crate) struct AccumulatorConfig {
    pub batch_size: usize,
    /// `batch.max.size`: how far a sendable batch grows while it waits to be drained (at
    /// least `batch_size`).
    pub batch_max_size: usize,
    pub linger: Duration,
    pub delivery_timeout: Duration,
    pub buffer_memory: usize,
    /// `max.request.size`: no batch grows past it, whatever the compression estimate.
    pub max_request_size: usize,
    /// Mute a partition while one of its batches is in flight.
    pub guarantee_order: bool,
}

/// Per-partition batch queues. See the module docs.
#[derive(Debug)]
pub(crate) struct Accumulator {
    cfg: AccumulatorConfig,
    topics: Vec<TopicQueues>,
    index: HashMap<Arc<str>, u32>,
    /// No queued batch has a delivery deadline before this (`None`: none is queued). Exact
    /// after each scan by [`expire`](Self::expire), a lower bound after drains: it spares a
    /// scan of every queued batch on each poll.
    deadline_floor: Option<Instant>,
    buffer_used: usize,
    next_batch_id: u64,
    /// Unfinished batches per id (the halves of a split batch keep its id, so a flush begun
    /// before the split waits for them), and their total.
    incomplete: BTreeMap<u64, u32>,
    incomplete_total: usize,
    flush_upto: u64,
    closing: bool,
    /// `send` calls are waiting for memory (a reservation failed and no batch finished
    /// since): send everything now.
    exhausted: bool,
    drain_index: HashMap<i32, usize>,
    /// Record vectors and encoding buffers of finished batches, reused by new ones: a fresh
    /// allocation of a large batch's worth costs a page fault per 4 KiB.
    spare_records: Vec<Vec<PendingRecord>>,
    spare_buffers: Vec<BytesMut>,
}

/// Spare record vectors and buffers kept at most (each kind).
const SPARES: usize = 4;
/// Record vectors with more room than this are not kept.
const MAX_SPARE_RECORDS: usize = 16 * 1024;

impl Accumulator {
    pub fn new(cfg: AccumulatorConfig) -> Self {
        debug_assert!(
            cfg.batch_max_size >= cfg.batch_size,
            "the config clamps batch.max.size to at least batch.size"
        );
        Accumulator {
            cfg,
            topics: Vec::new(),
            index: HashMap::new(),
            deadline_floor: None,
            buffer_used: 0,
            next_batch_id: 0,
            incomplete: BTreeMap::new(),
            incomplete_total: 0,
            flush_upto: 0,
            closing: false,
            exhausted: false,
            drain_index: HashMap::new(),
            spare_records: Vec::new(),
            spare_buffers: Vec::new(),
        }
    }

    /// The index of `topic`, interning it. (The engine remembers the last record's topic, so
    /// this runs once per run of records to one topic, not per record.)
    pub fn topic_index(&mut self, topic: &Arc<str>) -> u32 {
        if let Some(&i) = self.index.get(topic) {
            return i;
        }
        let i = self.topics.len() as u32;
        self.topics.push(TopicQueues {
            name: topic.clone(),
            partitions: Vec::new(),
            compression_ratio: 1.0,
        });
        self.index.insert(topic.clone(), i);
        i
    }

    /// The name of topic index `i`.
    pub fn topic_name(&self, i: u32) -> &Arc<str> {
        &self.topics[i as usize].name
    }

    /// The interned topics' names, by index.
    pub fn topic_names(&self) -> impl Iterator<Item = &Arc<str>> {
        self.topics.iter().map(|t| &t.name)
    }

    /// How many topics are interned (indexes `0..topic_count()`).
    pub fn topic_count(&self) -> u32 {
        self.topics.len() as u32
    }

    fn queue_mut(&mut self, tp: Tp) -> &mut PartitionQueue {
        let t = &mut self.topics[tp.topic as usize];
        let p = tp.partition as usize;
        if t.partitions.len() <= p {
            t.partitions.resize_with(p + 1, PartitionQueue::default);
        }
        &mut t.partitions[p]
    }

    /// The queue of `tp`, if it exists.
    pub fn queue(&self, tp: Tp) -> Option<&PartitionQueue> {
        self.topics
            .get(tp.topic as usize)?
            .partitions
            .get(tp.partition as usize)
    }

    /// The batches queued for `tp` (not on the wire), in the order they will be sent.
    pub fn queued_mut(&mut self, tp: Tp) -> impl Iterator<Item = &mut Batch> {
        self.topics
            .get_mut(tp.topic as usize)
            .and_then(|t| t.partitions.get_mut(tp.partition as usize))
            .into_iter()
            .flat_map(|q| q.batches.iter_mut())
    }

    /// Whether `tp` has no open batch (the sticky partitioner may switch away from it).
    pub fn all_batches_full(&self, tp: Tp) -> bool {
        self.queue(tp).is_none_or(PartitionQueue::all_batches_full)
    }

    /// Bytes of `buffer.memory` in use.
    pub fn buffer_used(&self) -> usize {
        self.buffer_used
    }

    /// Takes `n` bytes of `buffer.memory`, if they are free; if not, everything queued is
    /// sendable until a batch finishes and frees memory.
    pub fn try_reserve(&mut self, n: usize) -> bool {
        if self.buffer_used + n > self.cfg.buffer_memory {
            self.exhausted = true;
            return false;
        }
        self.buffer_used += n;
        true
    }

    /// Appends a record that holds `reserved` bytes of buffer memory to `tp`'s queue.
    pub fn append(
        &mut self,
        tp: Tp,
        rec: PendingRecord,
        reserved: usize,
        now: Instant,
    ) -> Appended {
        let limits = SizeLimits {
            batch: self.cfg.batch_size,
            max: self.cfg.batch_max_size,
            hard_cap: self.cfg.max_request_size,
        };
        let ratio = self.topics[tp.topic as usize].compression_ratio;
        let q = self.queue_mut(tp);
        let rec = match q.batches.back_mut() {
            Some(b) if b.open && !b.at_max => {
                let was_full = b.full;
                match b.append(rec, reserved, &limits, ratio) {
                    Ok(delivery) => {
                        return Appended {
                            new_batch: false,
                            batch_full: b.full && !was_full,
                            delivery,
                        };
                    }
                    Err(rec) => rec,
                }
            }
            _ => rec,
        };
        let id = self.next_batch_id;
        self.next_batch_id += 1;
        self.add_incomplete(id);
        let mut b = Batch::new(id, tp, now, self.cfg.delivery_timeout);
        // A finished batch's vector, or room for as many records like this one as batch.size
        // holds (bounded: a small first record must not reserve much), instead of growing the
        // vector from empty.
        match self.spare_records.pop() {
            Some(v) => b.records = v,
            None => {
                let per_record =
                    record_size(0, 0, rec.key.as_deref(), rec.value.as_deref(), &rec.headers);
                b.records
                    .reserve_exact((limits.batch / per_record).clamp(1, MAX_PRESIZED_RECORDS));
            }
        }
        let delivery = match b.append(rec, reserved, &limits, ratio) {
            Ok(d) => d,
            Err(_) => unreachable!("an empty batch takes any record"),
        };
        let full = b.full;
        self.lower_deadline_floor(b.deadline);
        let q = self.queue_mut(tp);
        let had_full = !q.batches.is_empty();
        q.batches.push_back(b);
        Appended {
            new_batch: true,
            batch_full: full || had_full,
            delivery,
        }
    }

    /// A batch of topic `ti` with `uncompressed` bytes encoded to `encoded` bytes: moves the
    /// topic's compression ratio estimate.
    pub fn observe_compression(&mut self, ti: u32, uncompressed: usize, encoded: usize) {
        let body = uncompressed.saturating_sub(BATCH_OVERHEAD);
        if body == 0 {
            return;
        }
        let observed =
            (encoded.saturating_sub(BATCH_OVERHEAD) as f32 / body as f32).clamp(0.05, 1.0);
        let r = &mut self.topics[ti as usize].compression_ratio;
        if observed > *r {
            *r = (*r + RATIO_DETERIORATE_STEP).max(observed).min(1.0);
        } else {
            *r = (*r - RATIO_IMPROVE_STEP).max(observed);
        }
    }

    /// Which leaders have something to send at `now`.
    pub fn ready(&self, now: Instant, leader: impl Fn(Tp) -> Option<i32>) -> ReadyCheck {
        let mut out = ReadyCheck::default();
        for (ti, t) in self.topics.iter().enumerate() {
            for (pi, q) in t.partitions.iter().enumerate() {
                let Some(first) = q.batches.front() else {
                    continue;
                };
                if q.muted {
                    continue;
                }
                let tp = Tp {
                    topic: ti as u32,
                    partition: pi as i32,
                };
                let Some(node) = leader(tp) else {
                    out.unknown_leader = true;
                    continue;
                };
                if let Some(until) = first.backoff_until.filter(|&u| u > now) {
                    out.next_check = Some(out.next_check.map_or(until, |c| c.min(until)));
                    continue;
                }
                let linger_end = first.created + self.cfg.linger;
                let sendable = q.batches.len() > 1
                    || first.full
                    || !first.open
                    || now >= linger_end
                    || self.exhausted
                    || self.closing
                    || first.id < self.flush_upto;
                if sendable {
                    out.nodes.insert(node);
                    // A batch past batch.size that may still grow is worth holding while the
                    // leader's connection has a request out: the next request carries it bigger.
                    let may_grow = q.batches.len() == 1
                        && first.full
                        && first.open
                        && !first.at_max
                        && !self.exhausted
                        && !self.closing
                        && first.id >= self.flush_upto;
                    if !may_grow {
                        out.pressing.insert(node);
                    }
                } else {
                    out.next_check = Some(out.next_check.map_or(linger_end, |c| c.min(linger_end)));
                }
            }
        }
        out
    }

    /// Takes at most one batch per partition led by `node`, up to `max_size` bytes (at least
    /// one batch), starting where the last drain of this node stopped.
    pub fn drain(
        &mut self,
        now: Instant,
        node: i32,
        max_size: usize,
        leader: impl Fn(Tp) -> Option<i32>,
        gate: &mut dyn DrainGate,
    ) -> Vec<Batch> {
        let mut tps = Vec::new();
        for (ti, t) in self.topics.iter().enumerate() {
            for (pi, q) in t.partitions.iter().enumerate() {
                let tp = Tp {
                    topic: ti as u32,
                    partition: pi as i32,
                };
                if !q.batches.is_empty() && leader(tp) == Some(node) {
                    tps.push(tp);
                }
            }
        }
        let mut out = Vec::new();
        if tps.is_empty() {
            return out;
        }
        let start = self.drain_index.get(&node).copied().unwrap_or(0) % tps.len();
        let mut size = 0usize;
        let guarantee_order = self.cfg.guarantee_order;
        let mut next_start = start;
        for k in 0..tps.len() {
            let i = (start + k) % tps.len();
            let tp = tps[i];
            let q = self.queue_mut(tp);
            if q.muted {
                continue;
            }
            let Some(first) = q.batches.front() else {
                continue;
            };
            if first.backoff_until.is_some_and(|u| u > now) {
                continue;
            }
            if !out.is_empty() && size + first.size > max_size {
                break;
            }
            if !gate.can_drain(tp, first, q.on_wire) {
                continue;
            }
            let mut b = q.batches.pop_front().expect("checked above");
            b.open = false;
            gate.on_drain(tp, &mut b);
            q.on_wire += 1;
            if guarantee_order {
                q.muted = true;
            }
            size += b.size;
            out.push(b);
            next_start = i + 1;
        }
        self.drain_index.insert(node, next_start);
        out
    }

    /// A drained batch's request has an outcome (the batch is done, or will be re-enqueued).
    pub fn returned(&mut self, tp: Tp) {
        let q = self.queue_mut(tp);
        q.on_wire = q.on_wire.saturating_sub(1);
        q.muted = false;
    }

    /// Splits a batch the broker found too large into two halves (by record count), keeping
    /// its producer stamp: the first half keeps the base sequence, the second continues it.
    /// Both are new batches that were never sent; the original is finished.
    pub fn split(&mut self, big: Batch) -> [Batch; 2] {
        let mut big = big;
        let half = big.records.len() / 2;
        let second: Vec<PendingRecord> = big.records.split_off(half);
        let first = std::mem::take(&mut big.records);
        let reserved_first = big.reserved / 2;
        let [o1, o2] = big.outcome.split(half as u32);
        let parts = [
            (first, reserved_first, o1),
            (second, big.reserved - reserved_first, o2),
        ];
        // Both halves keep the batch's id: one more unfinished batch under it.
        self.add_incomplete(big.id);
        let id = big.id;
        let mut next_seq = big.base_sequence;
        parts.map(|(records, reserved, outcome)| {
            let base_timestamp = records.first().map_or(0, |r| r.timestamp);
            let size = BATCH_OVERHEAD
                + records
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        record_size(
                            r.timestamp.wrapping_sub(base_timestamp),
                            i as i32,
                            r.key.as_deref(),
                            r.value.as_deref(),
                            &r.headers,
                        )
                    })
                    .sum::<usize>();
            let base_sequence = if big.producer.is_some() { next_seq } else { -1 };
            next_seq = add_seq(next_seq, records.len() as i32);
            Batch {
                id,
                tp: big.tp,
                records,
                size,
                reserved,
                base_timestamp,
                created: big.created,
                deadline: big.deadline,
                open: false,
                full: true,
                at_max: true,
                attempts: 0,
                backoff_until: None,
                producer: big.producer,
                base_sequence,
                sequence_reset: big.sequence_reset,
                encoded: None,
                last_error: big.last_error,
                expired: big.expired,
                outcome,
            }
        })
    }

    /// Puts a batch to retry back in its queue: in sequence order among the batches that
    /// have one, else at the front.
    pub fn reenqueue(&mut self, batch: Batch) {
        self.lower_deadline_floor(batch.deadline);
        let q = self.queue_mut(batch.tp);
        if batch.producer.is_some() {
            let pos = q
                .batches
                .iter()
                .position(|b| {
                    b.producer.is_none() || seq_before(batch.base_sequence, b.base_sequence)
                })
                .unwrap_or(q.batches.len());
            q.batches.insert(pos, batch);
        } else {
            q.batches.push_front(batch);
        }
    }

    /// Removes and returns the queued batches whose delivery deadline has passed.
    pub fn expire(&mut self, now: Instant) -> Vec<Batch> {
        let mut out = Vec::new();
        if self.deadline_floor.is_none_or(|f| f > now) {
            return out;
        }
        for t in &mut self.topics {
            for q in &mut t.partitions {
                if q.batches.iter().any(|b| b.deadline <= now) {
                    let mut keep = VecDeque::with_capacity(q.batches.len());
                    for b in q.batches.drain(..) {
                        if b.deadline <= now {
                            out.push(b);
                        } else {
                            keep.push_back(b);
                        }
                    }
                    q.batches = keep;
                }
            }
        }
        self.deadline_floor = self
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter())
            .flat_map(|q| q.batches.iter())
            .map(|b| b.deadline)
            .min();
        out
    }

    fn lower_deadline_floor(&mut self, deadline: Instant) {
        self.deadline_floor = Some(self.deadline_floor.map_or(deadline, |f| f.min(deadline)));
    }

    /// Removes every queued batch (closing without delivering).
    pub fn drain_all(&mut self) -> Vec<Batch> {
        self.deadline_floor = None;
        let mut out = Vec::new();
        for t in &mut self.topics {
            for q in &mut t.partitions {
                out.extend(q.batches.drain(..));
            }
        }
        out
    }

    /// When [`expire`](Self::expire) should look next: the earliest delivery deadline of a
    /// queued batch, or earlier (once) when that batch was drained since the last look.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.deadline_floor
    }

    /// The batch is finished (delivered, failed or expired): frees its memory.
    pub fn batch_done(&mut self, batch: &Batch) {
        self.buffer_used = self.buffer_used.saturating_sub(batch.reserved);
        self.exhausted = false;
        if let Some(n) = self.incomplete.get_mut(&batch.id) {
            *n -= 1;
            self.incomplete_total -= 1;
            if *n == 0 {
                self.incomplete.remove(&batch.id);
            }
        }
    }

    fn add_incomplete(&mut self, id: u64) {
        *self.incomplete.entry(id).or_insert(0) += 1;
        self.incomplete_total += 1;
    }

    /// Keeps a finished batch's record vector and encoded buffer (if nothing else holds it)
    /// for later batches.
    pub fn recycle(&mut self, mut batch: Batch) {
        let mut records = std::mem::take(&mut batch.records);
        if self.spare_records.len() < SPARES && records.capacity() <= MAX_SPARE_RECORDS {
            records.clear();
            self.spare_records.push(records);
        }
        if let Some(Ok(mut buf)) = batch.encoded.take().map(Bytes::try_into_mut)
            && self.spare_buffers.len() < SPARES
            && buf.capacity() <= self.max_spare_buffer()
        {
            buf.clear();
            self.spare_buffers.push(buf);
        }
    }

    fn max_spare_buffer(&self) -> usize {
        self.cfg.batch_max_size.max(self.cfg.max_request_size) + 64 * 1024
    }

    /// An empty buffer with room for `size` bytes: a spare one if it is large enough.
    pub fn take_buffer(&mut self, size: usize) -> BytesMut {
        match self
            .spare_buffers
            .iter()
            .rposition(|b| b.capacity() >= size)
        {
            Some(i) => self.spare_buffers.swap_remove(i),
            None => BytesMut::with_capacity(size),
        }
    }

    /// Makes every batch existing now sendable regardless of `linger.ms`; returns a marker for
    /// [`flushed`](Self::flushed).
    pub fn begin_flush(&mut self) -> u64 {
        self.flush_upto = self.flush_upto.max(self.next_batch_id);
        self.next_batch_id
    }

    /// Whether every batch created before the `marker` flush is finished.
    pub fn flushed(&self, marker: u64) -> bool {
        self.incomplete.range(..marker).next().is_none()
    }

    /// Closing: everything is sendable now.
    pub fn begin_close(&mut self) {
        self.closing = true;
    }

    /// Batches not finished yet.
    pub fn incomplete_batches(&self) -> usize {
        self.incomplete_total
    }

    /// Queue lengths (batches) of the partitions of topic `ti` with a leader.
    pub fn queue_lengths(
        &self,
        ti: u32,
        leader: impl Fn(Tp) -> Option<i32>,
        partitions: usize,
    ) -> Vec<(i32, u32)> {
        let t = &self.topics[ti as usize];
        (0..partitions as i32)
            .filter(|&p| {
                leader(Tp {
                    topic: ti,
                    partition: p,
                })
                .is_some()
            })
            .map(|p| {
                let n = t
                    .partitions
                    .get(p as usize)
                    .map_or(0, |q| q.batches.len() as u32);
                (p, n)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AccumulatorConfig {
        AccumulatorConfig {
            batch_size: 1000,
            batch_max_size: 1000,
            linger: Duration::from_millis(5),
            delivery_timeout: Duration::from_secs(120),
            buffer_memory: 10_000,
            max_request_size: 1 << 20,
            guarantee_order: false,
        }
    }

    fn rec(n: usize) -> PendingRecord {
        PendingRecord {
            timestamp: 1_700_000_000_000,
            key: None,
            value: Some(Bytes::from(vec![b'x'; n])),
            headers: Vec::new(),
        }
    }

    fn tp(p: i32) -> Tp {
        Tp {
            topic: 0,
            partition: p,
        }
    }

    #[test]
    fn batches_close_by_size_and_linger() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        let leader = |_: Tp| Some(1);
        let a = acc.append(tp(0), rec(100), 0, t0);
        assert!(a.new_batch && !a.batch_full);
        // Not full and linger not over: nothing ready, wake-up at linger end.
        let r = acc.ready(t0 + Duration::from_millis(4), leader);
        assert!(r.nodes.is_empty());
        assert_eq!(r.next_check, Some(t0 + Duration::from_millis(5)));
        // Linger over: node 1 ready.
        assert!(
            acc.ready(t0 + Duration::from_millis(5), leader)
                .nodes
                .contains(&1)
        );
        // Fill up: 100-byte values take ~110 bytes; the 9th record overflows 1000 bytes.
        let mut full_at = None;
        for i in 0..20 {
            let a = acc.append(tp(0), rec(100), 0, t0);
            if a.new_batch {
                full_at = Some(i);
                break;
            }
        }
        assert!(full_at.is_some());
        let r = acc.ready(t0, leader);
        assert!(
            r.nodes.contains(&1),
            "a full batch is ready before linger.ms"
        );
        let q = acc.queue(tp(0)).unwrap();
        assert_eq!(q.batches.len(), 2);
        assert!(q.batches[0].size <= 1000 && q.batches[0].full);
    }

    #[test]
    fn drain_takes_one_batch_per_partition_grouped_by_leader() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        for p in 0..4 {
            for _ in 0..20 {
                acc.append(tp(p), rec(100), 0, t0);
            }
        }
        // Partitions 0 and 2 led by node 1, 1 and 3 by node 2.
        let leader = |tp: Tp| Some(1 + tp.partition % 2);
        let later = t0 + Duration::from_millis(10);
        let r = acc.ready(later, leader);
        assert_eq!(r.nodes.iter().copied().collect::<Vec<_>>(), vec![1, 2]);
        let b = acc.drain(later, 1, 1 << 20, leader, &mut NoGate);
        let parts: Vec<i32> = b.iter().map(|b| b.tp.partition).collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.contains(&0) && parts.contains(&2));
        assert_eq!(acc.queue(tp(0)).unwrap().on_wire, 1);
        // A small max request size still sends one batch.
        let b = acc.drain(later, 2, 10, leader, &mut NoGate);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn memory_is_bounded_and_released() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        assert!(acc.try_reserve(6000));
        assert!(!acc.try_reserve(6000));
        acc.append(tp(0), rec(100), 6000, t0);
        let b = acc.drain(
            t0 + Duration::from_millis(5),
            1,
            1 << 20,
            |_| Some(1),
            &mut NoGate,
        );
        acc.batch_done(&b[0]);
        assert_eq!(acc.buffer_used(), 0);
        assert!(acc.try_reserve(6000));
    }

    #[test]
    fn a_flush_waits_for_both_halves_of_a_split_batch() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        for _ in 0..4 {
            acc.append(tp(0), rec(10), 0, t0);
        }
        let marker = acc.begin_flush();
        let mut batches = acc.drain_all();
        let [a, b] = acc.split(batches.remove(0));
        assert_eq!(acc.incomplete_batches(), 2);
        acc.batch_done(&a);
        assert!(!acc.flushed(marker), "the second half is not delivered yet");
        let later = acc.begin_flush();
        acc.batch_done(&b);
        assert!(acc.flushed(marker) && acc.flushed(later));
        assert_eq!(acc.incomplete_batches(), 0);
    }

    #[test]
    fn expiry_and_flush() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        acc.append(tp(0), rec(10), 0, t0);
        acc.append(tp(1), rec(10), 0, t0 + Duration::from_secs(1));
        let marker = acc.begin_flush();
        assert!(
            acc.ready(t0, |_| Some(1)).nodes.contains(&1),
            "flush ignores linger"
        );
        assert!(!acc.flushed(marker));
        let expired = acc.expire(t0 + Duration::from_secs(120));
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].tp, tp(0));
        acc.batch_done(&expired[0]);
        assert!(!acc.flushed(marker));
        let rest = acc.drain_all();
        acc.batch_done(&rest[0]);
        assert!(acc.flushed(marker));
    }

    #[test]
    fn expiry_looks_only_when_a_deadline_may_have_passed() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        assert_eq!(acc.next_expiry(), None);
        acc.append(tp(0), rec(10), 0, t0);
        acc.append(tp(1), rec(10), 0, t0 + s);
        assert_eq!(acc.next_expiry(), Some(t0 + 120 * s));
        // Partition 0's batch leaves: the next look is still at its deadline (a lower bound),
        // finds nothing, and the following one is exact.
        let drained = acc.drain(
            t0,
            1,
            1 << 20,
            |tp| (tp.partition == 0).then_some(1),
            &mut NoGate,
        );
        assert_eq!(drained.len(), 1);
        assert_eq!(acc.next_expiry(), Some(t0 + 120 * s));
        assert!(acc.expire(t0 + 120 * s).is_empty());
        assert_eq!(acc.next_expiry(), Some(t0 + 121 * s));
        // A retry with an earlier deadline lowers it again, and expires on time.
        acc.reenqueue(drained.into_iter().next().unwrap());
        assert_eq!(acc.next_expiry(), Some(t0 + 120 * s));
        assert!(acc.expire(t0 + 119 * s).is_empty());
        let expired = acc.expire(t0 + 121 * s);
        assert_eq!(expired.len(), 2);
        assert_eq!(acc.next_expiry(), None);
    }

    #[test]
    fn retries_go_back_in_sequence_order() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        let pid = ProducerIdAndEpoch { id: 1, epoch: 0 };
        let mut drained = Vec::new();
        for seq in [0, 10, 20] {
            acc.append(tp(0), rec(10), 0, t0);
            let mut b = acc.drain(
                t0 + Duration::from_millis(5),
                1,
                1 << 20,
                |_| Some(1),
                &mut NoGate,
            );
            b[0].producer = Some(pid);
            b[0].base_sequence = seq;
            drained.push(b.pop().unwrap());
        }
        acc.append(tp(0), rec(10), 0, t0); // a new batch, no sequence yet
        // Failures come back in any order; the queue is kept in sequence order, new last.
        let b20 = drained.pop().unwrap();
        let b10 = drained.pop().unwrap();
        let b0 = drained.pop().unwrap();
        acc.reenqueue(b10);
        acc.reenqueue(b20);
        acc.reenqueue(b0);
        let seqs: Vec<i32> = acc
            .queue(tp(0))
            .unwrap()
            .batches
            .iter()
            .map(|b| b.base_sequence)
            .collect();
        assert_eq!(seqs, vec![0, 10, 20, -1]);
    }

    #[test]
    fn muted_partition_waits_for_its_batch() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(AccumulatorConfig {
            guarantee_order: true,
            ..cfg()
        });
        acc.topic_index(&Arc::from("t"));
        acc.append(tp(0), rec(10), 0, t0);
        let later = t0 + Duration::from_millis(5);
        assert_eq!(
            acc.drain(later, 1, 1 << 20, |_| Some(1), &mut NoGate).len(),
            1
        );
        acc.append(tp(0), rec(10), 0, t0);
        assert!(acc.ready(later, |_| Some(1)).nodes.is_empty());
        assert!(
            acc.drain(later, 1, 1 << 20, |_| Some(1), &mut NoGate)
                .is_empty()
        );
        acc.returned(tp(0));
        assert_eq!(
            acc.drain(later, 1, 1 << 20, |_| Some(1), &mut NoGate).len(),
            1
        );
    }

    #[test]
    fn compression_ratio_lets_batches_hold_more() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(cfg());
        acc.topic_index(&Arc::from("t"));
        let fill = |acc: &mut Accumulator, p: i32| {
            let mut n = 0;
            loop {
                if acc.append(tp(p), rec(100), 0, t0).new_batch && n > 0 {
                    return n;
                }
                n += 1;
            }
        };
        let uncompressed = fill(&mut acc, 0);
        // Batches compress to a quarter: the estimate improves slowly toward it...
        for _ in 0..200 {
            acc.observe_compression(0, 1000, 61 + 235);
        }
        assert!((acc.topics[0].compression_ratio - 0.25).abs() < 0.01);
        let compressed = fill(&mut acc, 1);
        assert!(
            compressed >= uncompressed * 3,
            "{uncompressed} vs {compressed}"
        );
        // ...and worsens fast.
        acc.observe_compression(0, 1000, 61 + 800);
        assert!(acc.topics[0].compression_ratio >= 0.8);
    }

    #[test]
    fn a_sendable_batch_grows_until_drained_up_to_batch_max_size() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(AccumulatorConfig {
            batch_max_size: 3000,
            ..cfg()
        });
        acc.topic_index(&Arc::from("t"));
        let leader = |_: Tp| Some(1);
        // ~110 bytes per record: sendable after 9, one batch up to 3000 bytes (26 records).
        let mut woke = 0;
        for i in 0..26 {
            let a = acc.append(tp(0), rec(100), 0, t0);
            assert_eq!(a.new_batch, i == 0, "record {i}");
            woke += usize::from(a.batch_full);
            if i == 8 {
                let r = acc.ready(t0, leader);
                assert!(r.nodes.contains(&1), "sendable at batch.size");
                assert!(
                    r.pressing.is_empty(),
                    "it may grow: it need not overtake a request on the wire"
                );
                let later = acc.ready(t0 + Duration::from_millis(50), leader);
                assert!(
                    later.pressing.is_empty(),
                    "linger.ms bounds the wait of small batches only"
                );
            }
        }
        assert_eq!(
            woke, 1,
            "the sender is woken once, when the batch becomes sendable"
        );
        assert!(acc.ready(t0, leader).nodes.contains(&1));
        assert!(
            acc.all_batches_full(tp(0)),
            "the sticky partitioner may move on"
        );
        let q = acc.queue(tp(0)).unwrap();
        assert_eq!(q.batches.len(), 1);
        assert!(q.batches[0].size > 2800 && q.batches[0].size <= 3000);
        // At batch.max.size the next record starts a new batch.
        assert!(acc.append(tp(0), rec(100), 0, t0).new_batch);
        assert!(
            acc.ready(t0, leader).pressing.contains(&1),
            "at batch.max.size it grows no more: send it now"
        );
        // A drained batch takes nothing more: the next record starts a new one, which is
        // drained as soon as it is sendable when the connection is free.
        let b = acc.drain(t0, 1, 1 << 20, leader, &mut NoGate);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].records.len(), 26);
        assert!(
            acc.ready(t0, leader).nodes.is_empty(),
            "one record, linger not over"
        );
        assert!(
            acc.ready(t0 + Duration::from_millis(50), leader)
                .pressing
                .contains(&1),
            "a small batch whose linger.ms is over goes as it is"
        );
        for _ in 0..8 {
            acc.append(tp(0), rec(100), 0, t0);
        }
        assert!(acc.ready(t0, leader).nodes.contains(&1));
        let b = acc.drain(t0, 1, 1 << 20, leader, &mut NoGate);
        assert_eq!(
            b[0].records.len(),
            9,
            "drained at batch.size when nothing waits"
        );
    }

    #[test]
    fn growth_is_bounded_by_max_request_size() {
        let t0 = Instant::now();
        let mut acc = Accumulator::new(AccumulatorConfig {
            batch_max_size: 1 << 20,
            max_request_size: 2000,
            ..cfg()
        });
        acc.topic_index(&Arc::from("t"));
        for _ in 0..40 {
            acc.append(tp(0), rec(100), 0, t0);
        }
        let q = acc.queue(tp(0)).unwrap();
        assert!(q.batches.len() > 1);
        assert!(q.batches.iter().all(|b| b.size <= 2000));
    }

    mod props {
        use std::collections::VecDeque;

        use proptest::prelude::*;

        use super::*;
        use crate::idempotence::Idempotence;

        const PARTITIONS: i32 = 3;

        #[derive(Debug, Clone)]
        enum Op {
            /// A record of this many value bytes to this partition.
            Append(i32, usize),
            /// Time passes (ms), then this node's connection sends a request if it has room.
            Drain(i32, u64),
            /// The oldest request of this node is answered: appended, or refused before the
            /// append (NOT_LEADER_OR_FOLLOWER) together with everything behind it.
            Respond(i32, bool),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                6 => (0..PARTITIONS, 1usize..400).prop_map(|(p, n)| Op::Append(p, n)),
                2 => (1..=2, 0u64..8).prop_map(|(n, ms)| Op::Drain(n, ms)),
                2 => (1..=2, prop::bool::weighted(0.9)).prop_map(|(n, ok)| Op::Respond(n, ok)),
            ]
        }

        fn leader(tp: Tp) -> Option<i32> {
            Some(1 + tp.partition % 2)
        }

        fn id_of(r: &PendingRecord) -> u64 {
            let v = r.value.as_ref().unwrap();
            u64::from_be_bytes(v[..8].try_into().unwrap())
        }

        /// The accumulator with idempotence and a broker that checks sequences: every record
        /// is written once, in send order per partition, with contiguous sequences; no batch
        /// grows past its limits; `buffer.memory` is never exceeded.
        struct World {
            acc: Accumulator,
            idem: Idempotence,
            now: Instant,
            in_flight: BTreeMap<i32, VecDeque<Vec<Batch>>>,
            sent: Vec<Vec<u64>>,
            log: Vec<Vec<u64>>,
            next_seq: Vec<i32>,
            next_id: u64,
            cfg: AccumulatorConfig,
        }

        impl World {
            fn new(cfg: AccumulatorConfig) -> Self {
                let mut acc = Accumulator::new(cfg.clone());
                acc.topic_index(&Arc::from("t"));
                let mut idem = Idempotence::new();
                idem.set_producer(ProducerIdAndEpoch { id: 1, epoch: 0 });
                World {
                    acc,
                    idem,
                    now: Instant::now(),
                    in_flight: BTreeMap::new(),
                    sent: vec![Vec::new(); PARTITIONS as usize],
                    log: vec![Vec::new(); PARTITIONS as usize],
                    next_seq: vec![0; PARTITIONS as usize],
                    next_id: 0,
                    cfg,
                }
            }

            fn apply(&mut self, op: &Op) {
                match *op {
                    Op::Append(p, n) => {
                        let id = self.next_id;
                        let mut value = id.to_be_bytes().to_vec();
                        value.resize(8 + n, b'x');
                        let rec = PendingRecord {
                            timestamp: 1_700_000_000_000,
                            key: None,
                            value: Some(Bytes::from(value)),
                            headers: Vec::new(),
                        };
                        let size =
                            crate::batch::record_size_upper_bound(None, rec.value.as_deref(), &[])
                                + BATCH_OVERHEAD;
                        if self.acc.try_reserve(size) {
                            self.acc.append(tp(p), rec, size, self.now);
                            self.sent[p as usize].push(id);
                            self.next_id += 1;
                        }
                    }
                    Op::Drain(node, ms) => {
                        self.now += Duration::from_millis(ms);
                        let q = self.in_flight.entry(node).or_default();
                        if q.len() >= 5 {
                            return;
                        }
                        let ready = self.acc.ready(self.now, leader);
                        if !ready.nodes.contains(&node) {
                            return;
                        }
                        let batches = self.acc.drain(
                            self.now,
                            node,
                            self.cfg.max_request_size,
                            leader,
                            &mut self.idem,
                        );
                        for b in &batches {
                            let limit = self.cfg.batch_max_size;
                            assert!(
                                b.records.len() == 1 || b.size <= limit,
                                "batch of {} bytes past {limit}",
                                b.size
                            );
                        }
                        if !batches.is_empty() {
                            self.in_flight.entry(node).or_default().push_back(batches);
                        }
                    }
                    Op::Respond(node, ok) => {
                        let q = self.in_flight.entry(node).or_default();
                        if ok {
                            let Some(batches) = q.pop_front() else {
                                return;
                            };
                            for b in batches {
                                let p = b.tp.partition as usize;
                                assert_eq!(b.base_sequence, self.next_seq[p], "contiguous");
                                self.next_seq[p] = add_seq(b.base_sequence, b.record_count());
                                let offset = self.log[p].len() as i64;
                                self.log[p].extend(b.records.iter().map(id_of));
                                self.idem.on_success(&b, offset);
                                self.acc.returned(b.tp);
                                self.acc.batch_done(&b);
                                self.acc.recycle(b);
                            }
                        } else {
                            // A refused request and the ones behind it (the broker refuses
                            // those as out of order): all come back, in any order.
                            let all: Vec<Batch> = q.drain(..).flatten().collect();
                            for b in all.into_iter().rev() {
                                assert!(self.idem.can_retry(&b, ErrorCode::NotLeaderOrFollower, 0));
                                self.acc.returned(b.tp);
                                self.acc.reenqueue(b);
                            }
                        }
                    }
                }
                assert!(self.acc.buffer_used() <= self.cfg.buffer_memory);
            }

            /// Sends and answers everything left.
            fn finish(&mut self) {
                self.acc.begin_flush();
                for _ in 0..100_000 {
                    if self.acc.incomplete_batches() == 0 {
                        return;
                    }
                    for node in 1..=2 {
                        self.apply(&Op::Drain(node, 1));
                        self.apply(&Op::Respond(node, true));
                    }
                }
                panic!("stuck: {} batches left", self.acc.incomplete_batches());
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn every_record_once_in_order_with_contiguous_sequences(
                ops in prop::collection::vec(op(), 1..400),
                batch_size in 200usize..2000,
                growth in 1usize..8,
            ) {
                let mut w = World::new(AccumulatorConfig {
                    batch_size,
                    batch_max_size: batch_size * growth,
                    linger: Duration::from_millis(5),
                    delivery_timeout: Duration::from_secs(3600),
                    buffer_memory: 20_000,
                    max_request_size: 6000,
                    guarantee_order: false,
                });
                for op in &ops {
                    w.apply(op);
                }
                w.finish();
                prop_assert_eq!(&w.log, &w.sent);
                prop_assert_eq!(w.acc.buffer_used(), 0);
            }
        }
    }
}
