//! The producer's protocol state machine, in the style of quinn-proto: no sockets, no clock,
//! no runtime. It takes records ([`Engine::try_append`]), events from the network
//! ([`Engine::handle_event`]) and the current time, and answers with [`Action`]s for the driver
//! to carry out ([`Engine::poll`]): connect, disconnect, send this request.
//!
//! It owns the [accumulator](crate::accumulator), the [idempotence](crate::idempotence) state,
//! the [metadata](crate::metadata) and the connection bookkeeping, and it decides retries.
//! Every record that enters ends in exactly one outcome: delivered, failed, expired or closed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kwire_protocol::ErrorCode;
use kwire_protocol::api::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataResponse};
use kwire_protocol::api::produce::{
    PartitionProduceData, PartitionProduceResponse, ProduceRequest, ProduceResponse,
    TopicProduceData,
};
use tracing::{debug, info, warn};

use crate::accumulator::{Accumulator, AccumulatorConfig, Appended, Batch, NoGate, Tp};
use crate::batch::{PendingRecord, ProducerStamp, encode_batch, record_size_upper_bound};
use crate::config::{Acks, ProducerConfig};
use crate::delivery::DeliveryFuture;
use crate::error::ProduceError;
use crate::idempotence::{Bump, Idempotence, ProducerIdAndEpoch};
use crate::metadata::{MetadataState, is_fatal_topic_error};
use crate::partitioner::{Partitioner, Rng, StickyPartitioner, partition_for_key};
use crate::record::ProducerRecord;
use crate::retry::{Backoff, invalidates_metadata};

/// A request body the driver encodes and sends.
#[derive(Debug, Clone)]
pub(crate) enum OutBody {
    Produce(ProduceRequest),
    Metadata(MetadataRequest),
    InitProducerId(InitProducerIdRequest),
}

/// A request to send on a node's connection.
#[derive(Debug, Clone)]
pub(crate) struct OutRequest {
    /// Engine-wide request id (the connection maps it to a correlation id).
    pub id: u64,
    /// Body version.
    pub version: i16,
    pub body: OutBody,
    /// `false` for Produce with acks=0: report [`Event::Written`] instead of a response.
    pub expect_response: bool,
}

/// What the driver must do.
#[derive(Debug)]
pub(crate) enum Action {
    /// Open a connection to `node` at `addr` and negotiate versions.
    Connect { node: i32, addr: String },
    /// Close `node`'s connection (its requests were already failed).
    Disconnect { node: i32 },
    /// Send a request on `node`'s (ready) connection.
    Send { node: i32, request: OutRequest },
}

/// A decoded response body.
#[derive(Debug)]
pub(crate) enum InBody {
    Produce(ProduceResponse),
    Metadata(MetadataResponse),
    InitProducerId(InitProducerIdResponse),
}

/// API versions negotiated with a broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Versions {
    pub produce: i16,
    pub metadata: i16,
    pub init_producer_id: Option<i16>,
}

/// What happened on the network.
#[derive(Debug)]
pub(crate) enum Event {
    Connected {
        node: i32,
        versions: Versions,
    },
    ConnectFailed {
        node: i32,
        error: String,
    },
    Response {
        node: i32,
        id: u64,
        body: InBody,
    },
    /// A request that expects no response (acks=0) was written to the socket.
    Written {
        node: i32,
        id: u64,
    },
    Disconnected {
        node: i32,
        error: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    Idle { retry_at: Option<Instant> },
    Connecting,
    Ready(Versions),
}

#[derive(Debug)]
struct Node {
    addr: String,
    conn: Conn,
    failures: u32,
    in_flight: BTreeSet<u64>,
}

#[derive(Debug)]
enum Pending {
    Produce(Vec<Batch>),
    Metadata,
    InitProducerId,
}

/// The error for a batch past `delivery.timeout.ms`.
fn delivery_timeout(acc: &Accumulator, b: &Batch, now: Instant) -> ProduceError {
    ProduceError::DeliveryTimeout {
        topic: acc.topic_name(b.tp.topic).to_string(),
        partition: b.tp.partition,
        elapsed: now.saturating_duration_since(b.created),
        last_error: b.last_error,
    }
}

#[derive(Debug)]
struct InFlight {
    node: i32,
    sent: Instant,
    kind: Pending,
}

/// Why [`Engine::try_append`] could not take a record now; the record is handed back.
#[derive(Debug)]
pub(crate) enum Blocked {
    /// The topic's partition count is not known yet.
    NeedMetadata(ProducerRecord),
    /// `buffer.memory` is full.
    BufferFull(ProducerRecord),
}

/// A record taken by [`Engine::try_append`]: the receiver of its outcome, and whether the
/// driver should look at the accumulator now (a batch was started or filled).
pub(crate) type Accepted = (DeliveryFuture, bool);

/// Checks a topic name as Kafka does: 1–249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`.
fn check_topic_name(topic: &str) -> Result<(), ProduceError> {
    if topic.is_empty()
        || topic.len() > 249
        || topic == "."
        || topic == ".."
        || !topic
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
    {
        return Err(ProduceError::InvalidTopic(topic.to_string()));
    }
    Ok(())
}

/// Counters readable from the producer handle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProducerMetrics {
    /// Records accepted by `send`.
    pub records_enqueued: u64,
    /// Records acknowledged (or written, with acks=0).
    pub records_delivered: u64,
    /// Records that ended in an error.
    pub records_failed: u64,
    /// Records re-sent after a retriable error (counted once per retry).
    pub records_retried: u64,
    /// Batch retries.
    pub batch_retries: u64,
    /// Batches sent (retries included).
    pub batches_sent: u64,
    /// Produce requests sent.
    pub produce_requests: u64,
    /// Record-batch bytes sent (retries included).
    pub bytes_sent: u64,
    /// Requests waiting for a response now.
    pub requests_in_flight: u64,
    /// Bytes of `buffer.memory` in use now.
    pub buffer_used: u64,
    /// Metadata responses applied.
    pub metadata_refreshes: u64,
    /// Idempotent epoch bumps (and producer id resets).
    pub epoch_bumps: u64,
    /// Batches split after MESSAGE_TOO_LARGE.
    pub batch_splits: u64,
    /// Connections opened.
    pub connections: u64,
}

#[derive(Debug)]
struct LastTopic {
    name: Arc<str>,
    index: u32,
    partitions: usize,
    generation: u64,
}

/// The producer state machine. See the module docs.
#[derive(Debug)]
pub(crate) struct Engine {
    cfg: ProducerConfig,
    pub acc: Accumulator,
    idem: Option<Idempotence>,
    pub meta: MetadataState,
    sticky: StickyPartitioner,
    custom: Option<Arc<dyn Partitioner>>,
    /// Per topic index: the metadata generation and the partitions with a leader (a vector:
    /// looked up for every record without a key).
    avail_cache: Vec<(u64, Vec<i32>)>,
    /// The topic of the last record taken, valid for one metadata generation: spares the
    /// name's validation and the lookups for a run of records to one topic.
    last_topic: Option<LastTopic>,
    nodes: BTreeMap<i32, Node>,
    in_flight: HashMap<u64, InFlight>,
    next_id: u64,
    rng: Rng,
    retry_backoff: Backoff,
    reconnect_backoff: Backoff,
    init_retry_at: Option<Instant>,
    fatal: Option<ProduceError>,
    closing: bool,
    aborted: bool,
    next_wakeup: Option<Instant>,
    wake_waiters: bool,
    last_load_update: Option<Instant>,
    /// Since when each leader has had data to send that it could not take.
    node_waiting: HashMap<i32, Instant>,
    counters: ProducerMetrics,
}

impl Engine {
    /// A new engine; `seed` seeds the partitioner and backoff jitter.
    pub fn new(cfg: ProducerConfig, custom: Option<Arc<dyn Partitioner>>, seed: u64) -> Self {
        let acc = Accumulator::new(AccumulatorConfig {
            batch_size: cfg.batch_size,
            linger: cfg.linger,
            delivery_timeout: cfg.delivery_timeout,
            buffer_memory: cfg.buffer_memory,
            max_request_size: cfg.max_request_size,
            guarantee_order: !cfg.enable_idempotence && cfg.max_in_flight == 1,
        });
        let mut nodes = BTreeMap::new();
        for (i, s) in cfg.bootstrap_servers.iter().enumerate() {
            nodes.insert(
                -(i as i32) - 1,
                Node {
                    addr: s.clone(),
                    conn: Conn::Idle { retry_at: None },
                    failures: 0,
                    in_flight: BTreeSet::new(),
                },
            );
        }
        Engine {
            idem: cfg.enable_idempotence.then(Idempotence::new),
            meta: MetadataState::new(cfg.metadata_max_age, cfg.retry_backoff),
            sticky: StickyPartitioner::new(cfg.batch_size, cfg.partitioner_adaptive, seed),
            custom,
            avail_cache: Vec::new(),
            last_topic: None,
            nodes,
            in_flight: HashMap::new(),
            next_id: 0,
            rng: Rng::new(seed ^ 0x5eed),
            retry_backoff: Backoff {
                base: cfg.retry_backoff,
                max: cfg.retry_backoff_max,
            },
            reconnect_backoff: Backoff {
                base: cfg.reconnect_backoff,
                max: cfg.reconnect_backoff_max,
            },
            init_retry_at: None,
            fatal: None,
            closing: false,
            aborted: false,
            next_wakeup: None,
            wake_waiters: false,
            last_load_update: None,
            node_waiting: HashMap::new(),
            counters: ProducerMetrics::default(),
            acc,
            cfg,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ProducerConfig {
        &self.cfg
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> ProducerMetrics {
        let mut m = self.counters;
        m.requests_in_flight = self.in_flight.len() as u64;
        m.buffer_used = self.acc.buffer_used() as u64;
        m
    }

    /// The current producer id and epoch (idempotent producers).
    pub fn producer_id(&self) -> Option<ProducerIdAndEpoch> {
        self.idem.as_ref().and_then(Idempotence::producer)
    }

    /// Whether `send` callers waiting for metadata or memory should look again.
    pub fn take_wake_waiters(&mut self) -> bool {
        std::mem::take(&mut self.wake_waiters)
    }

    /// When [`poll`](Self::poll) wants to run again at the latest.
    pub fn next_wakeup(&self) -> Option<Instant> {
        self.next_wakeup
    }

    /// Whether the producer is closing.
    pub fn is_closing(&self) -> bool {
        self.closing
    }

    /// Whether [`abort`](Self::abort) ran.
    pub fn was_aborted(&self) -> bool {
        self.aborted
    }

    /// Whether nothing is left to deliver (closing may finish).
    pub fn is_idle(&self) -> bool {
        self.acc.incomplete_batches() == 0
            && !self
                .in_flight
                .values()
                .any(|f| matches!(f.kind, Pending::Produce(_)))
    }

    /// Checks a record's size against `max.request.size` and `buffer.memory`; returns the
    /// most it can take of a batch.
    fn check_size(&self, record: &ProducerRecord) -> Result<usize, ProduceError> {
        let size = record_size_upper_bound(
            record.key.as_deref(),
            record.value.as_deref(),
            &record.headers,
        ) + crate::batch::BATCH_OVERHEAD;
        if size > self.cfg.max_request_size {
            return Err(ProduceError::RecordTooLarge {
                size,
                limit: self.cfg.max_request_size,
                limit_name: "max.request.size",
            });
        }
        if size > self.cfg.buffer_memory {
            return Err(ProduceError::RecordTooLarge {
                size,
                limit: self.cfg.buffer_memory,
                limit_name: "buffer.memory",
            });
        }
        Ok(size)
    }

    /// Appends a record, or says why it cannot be appended yet (the record comes back).
    /// `now_ms` is the wall-clock time for records without a timestamp. On success, returns
    /// the record's [`DeliveryFuture`] and whether the sender should be woken.
    pub fn try_append(
        &mut self,
        record: ProducerRecord,
        now: Instant,
        now_ms: i64,
    ) -> Result<Result<Accepted, Blocked>, ProduceError> {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        if self.closing {
            return Err(ProduceError::Closed);
        }
        let generation = self.meta.generation;
        let cached = self
            .last_topic
            .as_ref()
            .filter(|t| {
                t.generation == generation
                    && (Arc::ptr_eq(&t.name, &record.topic) || t.name == record.topic)
            })
            .map(|t| (t.index, t.partitions));
        if cached.is_none() {
            check_topic_name(&record.topic)?;
        }
        let size = self.check_size(&record)?;
        let (ti, count) = match cached {
            Some(found) => found,
            None => match self.resolve_topic(&record)? {
                Some(found) => found,
                None => return Ok(Err(Blocked::NeedMetadata(record))),
            },
        };
        let mut sticky = false;
        let partition = match record.partition {
            Some(p) => {
                if p < 0 || p as usize >= count {
                    return Err(ProduceError::InvalidPartition {
                        topic: record.topic.to_string(),
                        partition: p,
                        partitions: count,
                    });
                }
                p
            }
            None => {
                let custom = self.custom.as_ref().and_then(|c| {
                    c.partition(
                        &record.topic,
                        record.key.as_deref(),
                        record.value.as_deref(),
                        count,
                    )
                });
                match (custom, &record.key) {
                    (Some(p), _) => {
                        if p < 0 || p as usize >= count {
                            return Err(ProduceError::InvalidPartition {
                                topic: record.topic.to_string(),
                                partition: p,
                                partitions: count,
                            });
                        }
                        p
                    }
                    (None, Some(k)) if !self.cfg.partitioner_ignore_keys => {
                        partition_for_key(k, count)
                    }
                    _ => {
                        sticky = true;
                        self.refresh_available(ti);
                        let avail = &self.avail_cache[ti as usize].1;
                        let acc = &self.acc;
                        self.sticky
                            .sticky_partition(&record.topic, count, avail, |p| {
                                acc.all_batches_full(Tp {
                                    topic: ti,
                                    partition: p,
                                })
                            })
                    }
                }
            }
        };
        if !self.acc.try_reserve(size) {
            self.acc.exhausted = true;
            return Ok(Err(Blocked::BufferFull(record)));
        }
        let tp = Tp {
            topic: ti,
            partition,
        };
        let appended_bytes = size;
        let rec = PendingRecord {
            timestamp: record.timestamp.unwrap_or(now_ms),
            key: record.key,
            value: record.value,
            headers: record.headers,
        };
        let a: Appended = self.acc.append(tp, rec, size, now);
        if sticky {
            let enable_switch = self.acc.all_batches_full(tp);
            let avail = &self.avail_cache[ti as usize].1;
            self.sticky.on_appended(
                &record.topic,
                partition,
                appended_bytes,
                enable_switch,
                count,
                avail,
            );
        }
        self.counters.records_enqueued += 1;
        Ok(Ok((a.delivery, a.new_batch || a.batch_full)))
    }

    /// The index and partition count of a record's topic, whose name is valid (`None`: not
    /// known yet, metadata is asked for), remembered for the records that follow.
    fn resolve_topic(
        &mut self,
        record: &ProducerRecord,
    ) -> Result<Option<(u32, usize)>, ProduceError> {
        self.meta.want(&record.topic);
        let count = match self.meta.cluster.partition_count(&record.topic) {
            Some(n) if n > 0 => n,
            _ => {
                if let Some(&e) = self.meta.cluster.topic_errors.get(&record.topic) {
                    if is_fatal_topic_error(e) {
                        return Err(ProduceError::Broker {
                            topic: record.topic.to_string(),
                            partition: -1,
                            code: e,
                            message: None,
                        });
                    }
                }
                return Ok(None);
            }
        };
        let index = self.acc.topic_index(&record.topic);
        self.last_topic = Some(LastTopic {
            name: record.topic.clone(),
            index,
            partitions: count,
            generation: self.meta.generation,
        });
        Ok(Some((index, count)))
    }

    fn refresh_available(&mut self, ti: u32) {
        let generation = self.meta.generation;
        if self
            .avail_cache
            .get(ti as usize)
            .is_some_and(|(g, _)| *g == generation)
        {
            return;
        }
        let name = self.acc.topic_name(ti).clone();
        let avail = self.meta.cluster.available_partitions(&name);
        if self.avail_cache.len() <= ti as usize {
            // u64::MAX: a generation no metadata has, so the entry is filled before use.
            self.avail_cache
                .resize_with(ti as usize + 1, || (u64::MAX, Vec::new()));
        }
        self.avail_cache[ti as usize] = (generation, avail);
    }

    /// Marks every batch that exists now as sendable; returns the marker for
    /// [`flushed`](Self::flushed).
    pub fn begin_flush(&mut self) -> u64 {
        self.acc.begin_flush()
    }

    /// Whether the batches of the `marker` flush are all finished.
    pub fn flushed(&self, marker: u64) -> bool {
        self.acc.flushed(marker)
    }

    /// Stops accepting records; everything buffered is sent without lingering.
    pub fn begin_close(&mut self) {
        self.closing = true;
        self.acc.begin_close();
    }

    /// Fails everything not delivered yet with [`ProduceError::Closed`] (the close deadline
    /// passed). Returns the nodes whose connections should be dropped.
    pub fn abort(&mut self) -> Vec<i32> {
        self.closing = true;
        self.aborted = true;
        for b in self.acc.drain_all() {
            self.fail_batch(b, ProduceError::Closed, None, false);
        }
        let ids: Vec<u64> = self.in_flight.keys().copied().collect();
        for id in ids {
            if let Some(f) = self.in_flight.remove(&id) {
                if let Pending::Produce(batches) = f.kind {
                    for b in batches {
                        self.acc.returned(b.tp);
                        self.fail_batch(b, ProduceError::Closed, None, false);
                    }
                }
            }
        }
        self.nodes.keys().copied().collect()
    }

    fn set_fatal(&mut self, e: ProduceError) {
        warn!(error = %e, "producer failed");
        self.fatal = Some(e.clone());
        for b in self.acc.drain_all() {
            self.fail_batch(b, e.clone(), None, false);
        }
        self.wake_waiters = true;
    }

    fn leader_of(meta: &MetadataState, acc: &Accumulator, tp: Tp) -> Option<i32> {
        meta.cluster.leader(acc.topic_name(tp.topic), tp.partition)
    }

    /// Runs timers and decides what to send. Call after every event and when
    /// [`next_wakeup`](Self::next_wakeup) comes.
    pub fn poll(&mut self, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut wakeup: Option<Instant> = None;
        let mut at = |t: Instant| {
            wakeup = Some(wakeup.map_or(t, |w: Instant| w.min(t)));
        };

        // Requests without a response for request.timeout.ms: give the connection up.
        let timed_out: BTreeSet<i32> = self
            .in_flight
            .values()
            .filter(|f| f.sent + self.cfg.request_timeout <= now)
            .map(|f| f.node)
            .collect();
        for node in timed_out {
            warn!(node, "request timed out; closing the connection");
            self.connection_lost(node, now, "request timed out");
            actions.push(Action::Disconnect { node });
        }

        // Batches on the wire past delivery.timeout.ms: their records fail now, as the Java
        // client does (the outcome is unknown: the broker may still write them); the request
        // keeps going so that its response settles the sequences.
        let mut expired_records = 0u64;
        for f in self.in_flight.values_mut() {
            let Pending::Produce(batches) = &mut f.kind else {
                continue;
            };
            for b in batches.iter_mut().filter(|b| !b.expired) {
                if b.deadline > now {
                    at(b.deadline);
                    continue;
                }
                b.outcome.fail(delivery_timeout(&self.acc, b, now));
                b.expired = true;
                expired_records += b.records.len() as u64;
            }
        }
        self.counters.records_failed += expired_records;

        // Batches past delivery.timeout.ms that are not on the wire.
        for b in self.acc.expire(now) {
            let in_retry = b.in_retry();
            let e = delivery_timeout(&self.acc, &b, now);
            if in_retry {
                if let Some(idem) = &mut self.idem {
                    idem.mark_unresolved(&b);
                }
            }
            self.fail_batch(b, e, None, false);
        }
        if let Some(t) = self.acc.next_expiry() {
            at(t);
        }

        // Idempotence: resolve unknown sequences, bump the epoch when needed.
        if let Some(idem) = &mut self.idem {
            idem.maybe_resolve();
            let acc = &self.acc;
            match idem.maybe_bump(|tp| acc.queue(tp).map_or(0, |q| q.on_wire)) {
                Some(Bump::Bumped(tps)) => {
                    info!(producer = ?idem.producer(), partitions = tps.len(), "bumped the producer epoch");
                    self.counters.epoch_bumps += 1;
                    for tp in tps {
                        let q = &mut self.acc.topics[tp.topic as usize].partitions
                            [tp.partition as usize];
                        idem.restart_sequences(tp, q.batches.iter_mut());
                    }
                }
                Some(Bump::NeedNewProducerId) => {
                    info!("producer epoch exhausted; asking for a new producer id");
                    self.counters.epoch_bumps += 1;
                }
                None => {}
            }
        }
        if self.idem.as_ref().is_some_and(Idempotence::needs_init) && self.fatal.is_none() {
            match self.init_retry_at.filter(|&t| t > now) {
                Some(t) => at(t),
                None => match self.ready_node(|v| v.init_producer_id.is_some()) {
                    Some((node, v)) => {
                        let id = self.new_request(node, now, Pending::InitProducerId);
                        if let Some(idem) = &mut self.idem {
                            idem.init_sent();
                        }
                        actions.push(Action::Send {
                            node,
                            request: OutRequest {
                                id,
                                version: v.init_producer_id.unwrap_or(0),
                                body: OutBody::InitProducerId(InitProducerIdRequest {
                                    transactional_id: None,
                                    transaction_timeout_ms: i32::MAX,
                                    producer_id: -1,
                                    producer_epoch: -1,
                                    ..Default::default()
                                }),
                                expect_response: true,
                            },
                        });
                    }
                    None => self.connect_any(now, &mut actions, &mut at),
                },
            }
        }

        // Which leaders have data to send; partitions without a known leader need metadata.
        let (meta, acc) = (&self.meta, &self.acc);
        let ready = acc.ready(now, |tp| Self::leader_of(meta, acc, tp));
        if ready.unknown_leader {
            self.meta.request_update();
        }

        // Metadata.
        if self.meta.should_send(now) {
            match self.ready_node(|_| true) {
                Some((node, v)) => {
                    let req = self
                        .meta
                        .build_request(now, self.cfg.allow_auto_create_topics);
                    let id = self.new_request(node, now, Pending::Metadata);
                    actions.push(Action::Send {
                        node,
                        request: OutRequest {
                            id,
                            version: v.metadata,
                            body: OutBody::Metadata(req),
                            expect_response: true,
                        },
                    });
                }
                None => self.connect_any(now, &mut actions, &mut at),
            }
        } else if let Some(t) = self.meta.next_update(now) {
            at(t);
        }

        // Produce.
        if let Some(t) = ready.next_check {
            at(t);
        }
        // Leaders with data that cannot take it (not connected, in-flight limit) start a
        // wait clock, for partitioner.availability.timeout.ms.
        self.node_waiting.retain(|n, _| ready.nodes.contains(n));
        for node in ready.nodes {
            self.ensure_node(node);
            let n = self.nodes.get_mut(&node).expect("ensured");
            self.node_waiting.entry(node).or_insert(now);
            match n.conn {
                Conn::Ready(v) => {
                    if n.in_flight.len() >= self.cfg.max_in_flight {
                        continue;
                    }
                    if let Some(a) = self.produce_to(node, v, now) {
                        actions.push(a);
                        self.node_waiting.remove(&node);
                    }
                }
                Conn::Connecting => {}
                Conn::Idle { retry_at } => match retry_at.filter(|&t| t > now) {
                    Some(t) => at(t),
                    None => {
                        n.conn = Conn::Connecting;
                        self.counters.connections += 1;
                        actions.push(Action::Connect {
                            node,
                            addr: n.addr.clone(),
                        });
                    }
                },
            }
        }

        // Adaptive partitioning: feed queue lengths to the sticky partitioner now and then.
        if self.cfg.partitioner_adaptive
            && self
                .last_load_update
                .is_none_or(|t| now >= t + Duration::from_millis(1))
        {
            self.last_load_update = Some(now);
            for ti in 0..self.acc.topics.len() as u32 {
                let name = self.acc.topic_name(ti).clone();
                if self.sticky.current(&name).is_none() {
                    continue;
                }
                let Some(count) = self.meta.cluster.partition_count(&name) else {
                    continue;
                };
                let (meta, acc, waiting) = (&self.meta, &self.acc, &self.node_waiting);
                let timeout = self.cfg.partitioner_availability_timeout;
                // Partitions without a leader, or whose leader has not taken data for
                // partitioner.availability.timeout.ms, are left out.
                let lens = acc.queue_lengths(
                    ti,
                    |tp| {
                        Self::leader_of(meta, acc, tp).filter(|l| {
                            timeout.is_zero()
                                || waiting.get(l).is_none_or(|&since| now < since + timeout)
                        })
                    },
                    count,
                );
                self.sticky.update_load(&name, &lens, count);
            }
        }

        // Requests on the wire, including those this poll sent, time out.
        for f in self.in_flight.values() {
            at(f.sent + self.cfg.request_timeout);
        }
        self.next_wakeup = wakeup;
        actions
    }

    fn ensure_node(&mut self, node: i32) {
        if !self.nodes.contains_key(&node) {
            let addr = self
                .meta
                .cluster
                .brokers
                .get(&node)
                .map(|b| b.to_addr_string())
                .unwrap_or_default();
            self.nodes.insert(
                node,
                Node {
                    addr,
                    conn: Conn::Idle { retry_at: None },
                    failures: 0,
                    in_flight: BTreeSet::new(),
                },
            );
        }
    }

    /// The ready node with the fewest requests in flight (and room for one more).
    fn ready_node(&self, ok: impl Fn(&Versions) -> bool) -> Option<(i32, Versions)> {
        self.nodes
            .iter()
            .filter_map(|(&id, n)| match n.conn {
                Conn::Ready(v) if ok(&v) && n.in_flight.len() < self.cfg.max_in_flight => {
                    Some((n.in_flight.len(), id, v))
                }
                _ => None,
            })
            .min_by_key(|&(load, id, _)| (load, id < 0, id))
            .map(|(_, id, v)| (id, v))
    }

    /// Starts a connection to some node if none is ready or connecting.
    fn connect_any(
        &mut self,
        now: Instant,
        actions: &mut Vec<Action>,
        at: &mut impl FnMut(Instant),
    ) {
        if self
            .nodes
            .values()
            .any(|n| matches!(n.conn, Conn::Connecting | Conn::Ready(_)))
        {
            return;
        }
        let known: Vec<i32> = self.meta.cluster.brokers.keys().copied().collect();
        for id in known {
            self.ensure_node(id);
        }
        // Brokers from metadata first, then the bootstrap servers; fewest failures first.
        let candidate = self
            .nodes
            .iter()
            .filter(|(_, n)| !n.addr.is_empty())
            .filter_map(|(&id, n)| match n.conn {
                Conn::Idle { retry_at } => Some((retry_at.filter(|&t| t > now), n.failures, id)),
                _ => None,
            })
            .min_by_key(|&(retry_at, failures, id)| {
                (retry_at.is_some(), failures, id < 0, retry_at, id)
            });
        match candidate {
            Some((None, _, id)) => {
                let n = self.nodes.get_mut(&id).expect("listed");
                n.conn = Conn::Connecting;
                self.counters.connections += 1;
                actions.push(Action::Connect {
                    node: id,
                    addr: n.addr.clone(),
                });
            }
            Some((Some(t), _, _)) => at(t),
            None => {}
        }
    }

    fn new_request(&mut self, node: i32, now: Instant, kind: Pending) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.insert(
            id,
            InFlight {
                node,
                sent: now,
                kind,
            },
        );
        if let Some(n) = self.nodes.get_mut(&node) {
            n.in_flight.insert(id);
        }
        id
    }

    /// Drains batches led by `node` into one Produce request.
    fn produce_to(&mut self, node: i32, v: Versions, now: Instant) -> Option<Action> {
        let (meta, acc, idem) = (&self.meta, &mut self.acc, &mut self.idem);
        // The leader closure cannot borrow `acc` while it is drained: copy the names first.
        let names: Vec<Arc<str>> = acc.topics.iter().map(|t| t.name.clone()).collect();
        let leader = |tp: Tp| meta.cluster.leader(&names[tp.topic as usize], tp.partition);
        let batches = match idem {
            Some(i) => acc.drain(now, node, self.cfg.max_request_size, leader, i),
            None => acc.drain(now, node, self.cfg.max_request_size, leader, &mut NoGate),
        };
        if batches.is_empty() {
            return None;
        }
        let mut batches = batches;
        let mut version = v.produce;
        // v13 names topics by id: fall back to v12 when an id is unknown.
        if version >= 13
            && batches.iter().any(|b| {
                self.meta
                    .cluster
                    .topics
                    .get(&names[b.tp.topic as usize])
                    .is_none_or(|t| t.id.is_nil())
            })
        {
            version = 12;
        }
        let mut topic_data: Vec<TopicProduceData> = Vec::new();
        let mut failed = Vec::new();
        let mut keep = Vec::with_capacity(batches.len());
        for mut b in batches.drain(..) {
            if b.encoded.is_none() {
                let stamp = match b.producer {
                    Some(p) => ProducerStamp {
                        producer_id: p.id,
                        producer_epoch: p.epoch,
                        base_sequence: b.base_sequence,
                    },
                    None => ProducerStamp::NONE,
                };
                let buf = self.acc.take_buffer(b.size + 64);
                match encode_batch(
                    &b.records,
                    stamp,
                    self.cfg.compression,
                    self.cfg.compression_level,
                    buf,
                ) {
                    Ok(bytes) => {
                        if self.cfg.compression != kwire_protocol::records::Compression::None {
                            self.acc
                                .observe_compression(b.tp.topic, b.size, bytes.len());
                        }
                        b.encoded = Some(bytes)
                    }
                    Err(e) => {
                        failed.push((b, e));
                        continue;
                    }
                }
            }
            b.attempts += 1;
            let name = &names[b.tp.topic as usize];
            let topic_id = self
                .meta
                .cluster
                .topics
                .get(name)
                .map(|t| t.id)
                .unwrap_or_default();
            let pd = PartitionProduceData {
                index: b.tp.partition,
                records: b.encoded.clone(),
                ..Default::default()
            };
            self.counters.batches_sent += 1;
            self.counters.bytes_sent += b.encoded.as_ref().map_or(0, |e| e.len() as u64);
            if b.attempts > 1 {
                self.counters.records_retried += b.records.len() as u64;
            }
            match topic_data.iter_mut().find(|t| {
                if version >= 13 {
                    t.topic_id == topic_id
                } else {
                    t.name == **name
                }
            }) {
                Some(t) => t.partition_data.push(pd),
                None => topic_data.push(TopicProduceData {
                    name: if version >= 13 {
                        String::new()
                    } else {
                        name.to_string()
                    },
                    topic_id: if version >= 13 {
                        topic_id
                    } else {
                        Default::default()
                    },
                    partition_data: vec![pd],
                    ..Default::default()
                }),
            }
            keep.push(b);
        }
        for (b, e) in failed {
            self.acc.returned(b.tp);
            self.fail_batch(b, e, None, true);
        }
        if keep.is_empty() {
            return None;
        }
        self.counters.produce_requests += 1;
        let acks = self.cfg.acks;
        let id = self.new_request(node, now, Pending::Produce(keep));
        Some(Action::Send {
            node,
            request: OutRequest {
                id,
                version,
                body: OutBody::Produce(ProduceRequest {
                    transactional_id: None,
                    acks: acks.wire(),
                    timeout_ms: i32::try_from(self.cfg.request_timeout.as_millis())
                        .unwrap_or(i32::MAX),
                    topic_data,
                    ..Default::default()
                }),
                expect_response: acks != Acks::None,
            },
        })
    }

    /// Handles something that happened on the network.
    pub fn handle_event(&mut self, ev: Event, now: Instant) {
        match ev {
            Event::Connected { node, versions } => {
                debug!(node, ?versions, "connected");
                if let Some(n) = self.nodes.get_mut(&node) {
                    n.conn = Conn::Ready(versions);
                    n.failures = 0;
                }
            }
            Event::ConnectFailed { node, error } => {
                warn!(node, %error, "connection failed");
                self.connection_lost(node, now, &error);
            }
            Event::Disconnected { node, error } => {
                debug!(node, %error, "disconnected");
                self.connection_lost(node, now, &error);
            }
            Event::Written { node, id } => {
                let Some(f) = self.take_request(node, id) else {
                    return;
                };
                if let Pending::Produce(batches) = f.kind {
                    for b in batches {
                        self.acc.returned(b.tp);
                        self.complete_batch(b, -1, -1);
                    }
                }
            }
            Event::Response { node, id, body } => {
                let Some(f) = self.take_request(node, id) else {
                    return;
                };
                match (f.kind, body) {
                    (Pending::Produce(batches), InBody::Produce(resp)) => {
                        self.on_produce_response(batches, resp, now)
                    }
                    (Pending::Metadata, InBody::Metadata(resp)) => {
                        self.meta.apply(&resp, now);
                        self.counters.metadata_refreshes += 1;
                        self.wake_waiters = true;
                        // Update addresses of known nodes (no effect on live connections).
                        for (id, b) in &self.meta.cluster.brokers {
                            if let Some(n) = self.nodes.get_mut(id) {
                                n.addr = b.to_addr_string();
                            }
                        }
                    }
                    (Pending::InitProducerId, InBody::InitProducerId(resp)) => {
                        self.on_init_producer_id(resp, now)
                    }
                    (kind, body) => {
                        warn!(
                            node,
                            ?body,
                            "response of the wrong type; dropping the connection"
                        );
                        self.fail_request(kind, now);
                        self.connection_lost(node, now, "response of the wrong type");
                    }
                }
            }
        }
    }

    fn take_request(&mut self, node: i32, id: u64) -> Option<InFlight> {
        let f = self.in_flight.remove(&id)?;
        if let Some(n) = self.nodes.get_mut(&node) {
            n.in_flight.remove(&id);
        }
        Some(f)
    }

    /// A connection is gone: fail its requests (retriable) and back off before reconnecting.
    fn connection_lost(&mut self, node: i32, now: Instant, why: &str) {
        let Some(n) = self.nodes.get_mut(&node) else {
            return;
        };
        let ids: Vec<u64> = std::mem::take(&mut n.in_flight).into_iter().collect();
        let delay = self.reconnect_backoff.delay(n.failures, &mut self.rng);
        n.failures = n.failures.saturating_add(1);
        n.conn = Conn::Idle {
            retry_at: Some(now + delay),
        };
        debug!(node, why, requests = ids.len(), "connection lost");
        for id in ids {
            if let Some(f) = self.in_flight.remove(&id) {
                self.fail_request(f.kind, now);
            }
        }
        self.meta.request_update();
    }

    /// A request got no response.
    fn fail_request(&mut self, kind: Pending, now: Instant) {
        match kind {
            Pending::Produce(batches) => {
                for b in batches {
                    self.acc.returned(b.tp);
                    self.on_batch_error(b, ErrorCode::NetworkException, None, -1, false, now);
                }
            }
            Pending::Metadata => self.meta.request_failed(),
            Pending::InitProducerId => {
                if let Some(idem) = &mut self.idem {
                    idem.init_failed();
                }
                self.init_retry_at = Some(now + self.cfg.retry_backoff);
            }
        }
    }

    fn on_init_producer_id(&mut self, resp: InitProducerIdResponse, now: Instant) {
        let Some(idem) = &mut self.idem else {
            return;
        };
        if resp.error_code == ErrorCode::None && resp.producer_id >= 0 {
            let p = ProducerIdAndEpoch {
                id: resp.producer_id,
                epoch: resp.producer_epoch,
            };
            info!(producer_id = p.id, epoch = p.epoch, "got a producer id");
            let rewrite = idem.set_producer(p);
            for tp in rewrite {
                let q = &mut self.acc.topics[tp.topic as usize].partitions[tp.partition as usize];
                idem.restart_sequences(tp, q.batches.iter_mut());
            }
        } else if resp.error_code.is_retriable() || resp.error_code == ErrorCode::None {
            idem.init_failed();
            self.init_retry_at = Some(now + self.cfg.retry_backoff);
        } else {
            idem.init_failed();
            self.set_fatal(ProduceError::Fatal(format!(
                "InitProducerId failed with {}",
                resp.error_code.name()
            )));
        }
    }

    fn on_produce_response(&mut self, batches: Vec<Batch>, resp: ProduceResponse, now: Instant) {
        for b in batches {
            self.acc.returned(b.tp);
            let name = self.acc.topic_name(b.tp.topic).clone();
            let id = self.meta.cluster.topics.get(&name).map(|t| t.id);
            let pr: Option<&PartitionProduceResponse> = resp
                .responses
                .iter()
                .filter(|t| *t.name == *name || (!t.topic_id.is_nil() && Some(t.topic_id) == id))
                .flat_map(|t| t.partition_responses.iter())
                .find(|p| p.index == b.tp.partition);
            let Some(pr) = pr else {
                warn!(topic = %name, partition = b.tp.partition, "no response for a partition sent");
                self.on_batch_error(b, ErrorCode::NetworkException, None, -1, false, now);
                continue;
            };
            if pr.error_code == ErrorCode::None {
                let (base, lat) = (pr.base_offset, pr.log_append_time_ms);
                self.complete_batch(b, base, lat);
                continue;
            }
            let code = pr.error_code;
            if matches!(
                code,
                ErrorCode::NotLeaderOrFollower | ErrorCode::FencedLeaderEpoch
            ) && pr.current_leader.leader_id >= 0
            {
                self.meta.update_leader(
                    &name,
                    b.tp.partition,
                    pr.current_leader.leader_id,
                    pr.current_leader.leader_epoch,
                );
            }
            let msg = pr.error_message.clone();
            let lso = pr.log_start_offset;
            self.on_batch_error(b, code, msg, lso, true, now);
        }
    }

    /// Retry, complete (DUPLICATE_SEQUENCE_NUMBER) or fail a batch that got `code`.
    /// `responded`: a broker answered (else the request was lost and the batch's fate is
    /// unknown).
    fn on_batch_error(
        &mut self,
        mut b: Batch,
        code: ErrorCode,
        message: Option<String>,
        log_start_offset: i64,
        responded: bool,
        now: Instant,
    ) {
        b.last_error = Some(code);
        if code == ErrorCode::MessageTooLarge && b.records.len() > 1 && now < b.deadline {
            // Nothing was written: split it and send the halves (retries not counted).
            let base = b.base_sequence;
            let parts = self.acc.split(b);
            if let Some(idem) = &mut self.idem {
                idem.on_split(base, &parts);
            }
            debug!(
                records = parts[0].records.len() + parts[1].records.len(),
                "split a batch the broker found too large"
            );
            self.counters.batch_splits += 1;
            let [a, c] = parts;
            self.acc.reenqueue(c);
            self.acc.reenqueue(a);
            return;
        }
        let retries_left = b.attempts <= self.cfg.retries;
        let in_time = now < b.deadline;
        let retry = in_time
            && retries_left
            && match &mut self.idem {
                Some(idem) => idem.can_retry(&b, code, log_start_offset),
                None => code.is_retriable(),
            };
        if invalidates_metadata(code) {
            self.meta.request_update();
        }
        let name = self.acc.topic_name(b.tp.topic).to_string();
        if retry {
            debug!(topic = %name, partition = b.tp.partition, error = code.name(), attempt = b.attempts, "retrying batch");
            let delay = self
                .retry_backoff
                .delay(b.attempts.saturating_sub(1), &mut self.rng);
            b.backoff_until = Some(now + delay);
            self.counters.batch_retries += 1;
            self.acc.reenqueue(b);
        } else if code == ErrorCode::DuplicateSequenceNumber {
            self.complete_batch(b, -1, -1);
        } else if !responded {
            // Lost on the wire and out of time or attempts: the broker may have it.
            if let Some(idem) = &mut self.idem {
                idem.mark_unresolved(&b);
            }
            let e = ProduceError::DeliveryTimeout {
                topic: name,
                partition: b.tp.partition,
                elapsed: now.saturating_duration_since(b.created),
                last_error: Some(code),
            };
            self.fail_batch(b, e, Some(code), false);
        } else {
            warn!(topic = %name, partition = b.tp.partition, error = code.name(), "batch failed");
            let e = ProduceError::Broker {
                topic: name,
                partition: b.tp.partition,
                code,
                message,
            };
            self.fail_batch(b, e, Some(code), retries_left);
        }
    }

    fn complete_batch(&mut self, b: Batch, base_offset: i64, log_append_time: i64) {
        if let Some(idem) = &mut self.idem {
            idem.on_success(&b, base_offset);
        }
        let topic = self.acc.topic_name(b.tp.topic).clone();
        b.outcome
            .deliver(topic, b.tp.partition, base_offset, log_append_time);
        if !b.expired {
            self.counters.records_delivered += b.records.len() as u64;
        }
        self.acc.batch_done(&b);
        self.acc.recycle(b);
        self.acc.exhausted = false;
        self.wake_waiters = true;
    }

    fn fail_batch(&mut self, b: Batch, e: ProduceError, code: Option<ErrorCode>, adjust: bool) {
        if let Some(idem) = &mut self.idem {
            idem.on_failed(&b, code, adjust);
        }
        b.outcome.fail(e);
        if !b.expired {
            self.counters.records_failed += b.records.len() as u64;
        }
        self.acc.batch_done(&b);
        self.acc.recycle(b);
        self.acc.exhausted = false;
        self.wake_waiters = true;
    }
}

#[cfg(test)]
mod tests {
    //! The engine driven by hand and by a simulated cluster, with explicit time: no sockets.

    use std::collections::VecDeque;

    use bytes::Bytes;
    use kwire_protocol::api::metadata::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };
    use kwire_protocol::api::produce::TopicProduceResponse;
    use kwire_protocol::records::BatchView;

    use super::*;
    use crate::record::RecordMetadata;

    type Rx = DeliveryFuture;

    const V: Versions = Versions {
        produce: 9,
        metadata: 12,
        init_producer_id: Some(4),
    };

    fn config(extra: &[(&str, &str)]) -> ProducerConfig {
        let mut b = ProducerConfig::builder().bootstrap_servers("boot:9092");
        for (k, v) in extra {
            b = b.set(*k, *v);
        }
        b.build().unwrap()
    }

    fn metadata(topic: &str, leaders: &[i32]) -> MetadataResponse {
        MetadataResponse {
            brokers: (1..=3)
                .map(|id| MetadataResponseBroker {
                    node_id: id,
                    host: format!("b{id}"),
                    port: 9092,
                    ..Default::default()
                })
                .collect(),
            topics: vec![MetadataResponseTopic {
                name: Some(topic.into()),
                partitions: leaders
                    .iter()
                    .enumerate()
                    .map(|(i, &l)| MetadataResponsePartition {
                        partition_index: i as i32,
                        leader_id: l,
                        leader_epoch: 1,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// One partition of the simulated broker, with Kafka's idempotence rules.
    #[derive(Default)]
    struct SimPartition {
        epoch: i16,
        last_seq: i32,
        cache: VecDeque<(i32, i32, i64)>,
        log: Vec<u64>,
    }

    struct Sim {
        e: Engine,
        t: Instant,
        topic: String,
        leaders: Vec<i32>,
        parts: Vec<SimPartition>,
        /// Per node: responses not delivered yet, in order.
        wire: BTreeMap<i32, VecDeque<Event>>,
        rng: Rng,
        /// Probabilities (per mille) of faults.
        p_error: u32,
        p_lost: u32,
        p_disconnect: u32,
        init_epoch: i16,
        /// Nodes whose connections fail.
        down: BTreeSet<i32>,
        /// Batches with more records are rejected with MESSAGE_TOO_LARGE.
        max_records: i32,
        /// Produce requests vanish: not written, never answered.
        swallow_produce: bool,
    }

    impl Sim {
        fn new(cfg: ProducerConfig, partitions: usize, seed: u64) -> Self {
            Sim {
                e: Engine::new(cfg, None, seed),
                t: Instant::now(),
                topic: "t".into(),
                leaders: (0..partitions).map(|p| 1 + (p as i32 % 3)).collect(),
                parts: (0..partitions)
                    .map(|_| SimPartition {
                        epoch: -1,
                        last_seq: -1,
                        ..Default::default()
                    })
                    .collect(),
                wire: BTreeMap::new(),
                rng: Rng::new(seed),
                p_error: 0,
                p_lost: 0,
                p_disconnect: 0,
                init_epoch: 0,
                down: BTreeSet::new(),
                max_records: i32::MAX,
                swallow_produce: false,
            }
        }

        fn roll(&mut self, per_mille: u32) -> bool {
            per_mille > 0 && (self.rng.next_u64() % 1000) < u64::from(per_mille)
        }

        fn append(&mut self, i: u64, key: bool) -> Option<Rx> {
            let mut r = ProducerRecord::new(self.topic.as_str(), Bytes::from(i.to_string()));
            if key {
                r = r.with_key(format!("k{}", i % 17));
            }
            for _ in 0..50 {
                match self.e.try_append(r, self.t, 1_000_000 + i as i64).unwrap() {
                    Ok((rx, _)) => return Some(rx),
                    Err(Blocked::NeedMetadata(back)) => {
                        r = back;
                        self.step(Duration::from_millis(1));
                    }
                    Err(Blocked::BufferFull(_)) => return None,
                }
            }
            None
        }

        /// Handles the broker side of a produce request: appends, dedups, errors.
        fn produce(&mut self, req: &ProduceRequest) -> ProduceResponse {
            let mut responses = Vec::new();
            for t in &req.topic_data {
                let mut prs = Vec::new();
                for pd in &t.partition_data {
                    let p = pd.index as usize;
                    let batch = BatchView::decode(pd.records.clone().unwrap()).unwrap();
                    let h = *batch.header();
                    let values: Vec<u64> = batch
                        .records()
                        .map(|r| {
                            let r = r.unwrap();
                            std::str::from_utf8(r.value.as_deref().unwrap())
                                .unwrap()
                                .parse()
                                .unwrap_or(u64::MAX)
                        })
                        .collect();
                    let code_err = if self.roll(self.p_error) {
                        Some(ErrorCode::NotLeaderOrFollower)
                    } else {
                        None
                    };
                    let sp = &mut self.parts[p];
                    let last = h.base_sequence + h.record_count - 1;
                    let (code, offset) = if let Some(c) = code_err {
                        (c, -1)
                    } else if h.record_count > self.max_records {
                        (ErrorCode::MessageTooLarge, -1)
                    } else if h.producer_id < 0 {
                        let off = sp.log.len() as i64;
                        sp.log.extend(&values);
                        (ErrorCode::None, off)
                    } else if h.producer_epoch < sp.epoch {
                        (ErrorCode::InvalidProducerEpoch, -1)
                    } else if let Some(&(_, _, off)) = sp.cache.iter().find(|c| {
                        h.producer_epoch == sp.epoch && c.0 == h.base_sequence && c.1 == last
                    }) {
                        (ErrorCode::None, off)
                    } else if (h.producer_epoch > sp.epoch && h.base_sequence == 0)
                        || (h.producer_epoch == sp.epoch && h.base_sequence == sp.last_seq + 1)
                    {
                        if h.producer_epoch > sp.epoch {
                            sp.cache.clear();
                        }
                        sp.epoch = h.producer_epoch;
                        sp.last_seq = last;
                        let off = sp.log.len() as i64;
                        sp.log.extend(&values);
                        sp.cache.push_back((h.base_sequence, last, off));
                        if sp.cache.len() > 5 {
                            sp.cache.pop_front();
                        }
                        (ErrorCode::None, off)
                    } else {
                        (ErrorCode::OutOfOrderSequenceNumber, -1)
                    };
                    prs.push(PartitionProduceResponse {
                        index: pd.index,
                        error_code: code,
                        base_offset: offset,
                        log_start_offset: 0,
                        ..Default::default()
                    });
                }
                responses.push(TopicProduceResponse {
                    name: t.name.clone(),
                    partition_responses: prs,
                    ..Default::default()
                });
            }
            ProduceResponse {
                responses,
                ..Default::default()
            }
        }

        /// One round: poll, carry out actions, deliver some responses, advance time.
        fn step(&mut self, advance: Duration) {
            let actions = self.e.poll(self.t);
            for a in actions {
                match a {
                    Action::Connect { node, .. } if self.down.contains(&node) => {
                        self.e.handle_event(
                            Event::ConnectFailed {
                                node,
                                error: "refused".into(),
                            },
                            self.t,
                        );
                    }
                    Action::Connect { node, .. } => {
                        self.wire.insert(node, VecDeque::new());
                        self.e
                            .handle_event(Event::Connected { node, versions: V }, self.t);
                    }
                    Action::Disconnect { node } => {
                        self.wire.remove(&node);
                    }
                    Action::Send { node, request } => {
                        let body = match &request.body {
                            OutBody::Metadata(_) => {
                                Some(InBody::Metadata(metadata(&self.topic, &self.leaders)))
                            }
                            OutBody::InitProducerId(_) => {
                                Some(InBody::InitProducerId(InitProducerIdResponse {
                                    producer_id: 42,
                                    producer_epoch: self.init_epoch,
                                    ..Default::default()
                                }))
                            }
                            OutBody::Produce(_) if self.swallow_produce => None,
                            OutBody::Produce(p) => {
                                let resp = self.produce(p);
                                if !request.expect_response {
                                    self.wire
                                        .entry(node)
                                        .or_default()
                                        .push_back(Event::Written {
                                            node,
                                            id: request.id,
                                        });
                                    None
                                } else if self.roll(self.p_lost) {
                                    // Appended but the answer is lost with the connection.
                                    self.wire.remove(&node);
                                    self.e.handle_event(
                                        Event::Disconnected {
                                            node,
                                            error: "lost".into(),
                                        },
                                        self.t,
                                    );
                                    None
                                } else {
                                    Some(InBody::Produce(resp))
                                }
                            }
                        };
                        if let (Some(body), Some(q)) = (body, self.wire.get_mut(&node)) {
                            q.push_back(Event::Response {
                                node,
                                id: request.id,
                                body,
                            });
                        }
                    }
                }
            }
            // Deliver responses: each node's in order, nodes in random order.
            let nodes: Vec<i32> = self.wire.keys().copied().collect();
            for node in nodes {
                if self.roll(self.p_disconnect) {
                    self.wire.remove(&node);
                    self.e.handle_event(
                        Event::Disconnected {
                            node,
                            error: "reset".into(),
                        },
                        self.t,
                    );
                    continue;
                }
                let n = (self.rng.next_u64() % 3) as usize;
                for _ in 0..n {
                    let Some(ev) = self.wire.get_mut(&node).and_then(VecDeque::pop_front) else {
                        break;
                    };
                    self.e.handle_event(ev, self.t);
                }
            }
            self.t += advance;
        }

        fn run_until(&mut self, mut done: impl FnMut(&Self) -> bool, max_steps: usize) {
            for _ in 0..max_steps {
                if done(self) {
                    return;
                }
                self.step(Duration::from_millis(3));
            }
            panic!("not done after {max_steps} steps: {:?}", self.e.metrics());
        }
    }

    fn outcome(rx: &mut Rx) -> Option<Result<RecordMetadata, ProduceError>> {
        rx.try_outcome()
    }

    #[test]
    fn happy_path_bootstrap_metadata_init_produce() {
        let mut s = Sim::new(config(&[]), 3, 1);
        // Unknown topic: the record waits for metadata.
        let r = ProducerRecord::new("t", "v").with_key("k");
        let Ok(Err(Blocked::NeedMetadata(_))) = s.e.try_append(r, s.t, 1) else {
            panic!("expected NeedMetadata");
        };
        s.run_until(|s| s.e.meta.cluster.partition_count("t").is_some(), 20);
        let mut rxs: Vec<Rx> = (0..10).map(|i| s.append(i, true).unwrap()).collect();
        s.run_until(|s| s.e.metrics().records_delivered == 10, 50);
        assert_eq!(
            s.e.producer_id(),
            Some(ProducerIdAndEpoch { id: 42, epoch: 0 })
        );
        for (i, rx) in rxs.iter_mut().enumerate() {
            let md = outcome(rx).unwrap().unwrap();
            let key = format!("k{}", i % 17);
            assert_eq!(md.partition, partition_for_key(key.as_bytes(), 3));
            assert_eq!(md.timestamp, 1_000_000 + i as i64);
            assert!(md.offset >= 0);
        }
        let m = s.e.metrics();
        assert_eq!((m.records_failed, m.batch_retries), (0, 0));
        assert_eq!(m.buffer_used, 0);
        assert!(s.e.is_idle());
    }

    #[test]
    fn linger_holds_a_batch_until_it_expires() {
        let mut s = Sim::new(config(&[("linger.ms", "50")]), 1, 2);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 100);
        let t0 = s.t;
        let mut rx = s.append(1, false).unwrap();
        s.run_until(|s| s.e.metrics().records_delivered == 2, 100);
        let waited = s.t - t0;
        assert!(waited >= Duration::from_millis(40), "{waited:?}");
        assert!(outcome(&mut rx).unwrap().is_ok());
        // The engine asks to be woken at the linger deadline, not polled in a loop.
        s.append(2, false);
        s.e.poll(s.t);
        let w = s.e.next_wakeup().unwrap();
        assert!(
            w > s.t && w <= s.t + Duration::from_millis(50),
            "{:?}",
            w - s.t
        );
    }

    #[test]
    fn retriable_errors_retry_with_backoff_keeping_sequence() {
        let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 3);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        s.p_error = 1000; // every batch gets NOT_LEADER_OR_FOLLOWER
        let mut rx = s.append(1, false).unwrap();
        for _ in 0..10 {
            s.step(Duration::from_millis(20));
        }
        assert!(s.e.metrics().batch_retries >= 2);
        assert!(outcome(&mut rx).is_none(), "still retrying");
        s.p_error = 0;
        s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
        let md = outcome(&mut rx).unwrap().unwrap();
        assert_eq!(md.offset, 1);
        assert_eq!(s.parts[0].log, vec![0, 1], "written once");
        assert_eq!(
            s.e.producer_id().unwrap().epoch,
            0,
            "no epoch bump for NOT_LEADER"
        );
    }

    #[test]
    fn lost_responses_are_deduplicated_by_the_broker() {
        let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 4);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        s.p_lost = 1000;
        let mut rx = s.append(1, false).unwrap();
        s.step(Duration::from_millis(1));
        s.step(Duration::from_millis(1));
        s.p_lost = 0;
        s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
        assert_eq!(
            outcome(&mut rx).unwrap().unwrap().offset,
            1,
            "the original offset"
        );
        assert_eq!(s.parts[0].log, vec![0, 1]);
    }

    #[test]
    fn gap_bumps_epoch_and_restarts_at_sequence_zero() {
        let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 5);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        // The broker forgets the producer's sequence (e.g. state lost): next batch is a gap.
        s.parts[0].last_seq = 100;
        s.parts[0].cache.clear();
        let mut rx = s.append(1, false).unwrap();
        s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
        assert!(outcome(&mut rx).unwrap().is_ok());
        assert_eq!(s.e.producer_id().unwrap().epoch, 1);
        assert_eq!(s.parts[0].epoch, 1);
        assert_eq!(s.parts[0].last_seq, 0, "restarted at sequence 0");
        assert_eq!(s.e.metrics().epoch_bumps, 1);
    }

    #[test]
    fn duplicate_sequence_is_success_without_offset() {
        let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 6);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        let mut rx = s.append(1, false).unwrap();
        let actions = s.e.poll(s.t);
        let Some(Action::Send { node, request }) = actions
            .into_iter()
            .find(|a| matches!(a, Action::Send { .. }))
        else {
            panic!("expected a produce request");
        };
        let resp = ProduceResponse {
            responses: vec![TopicProduceResponse {
                name: "t".into(),
                partition_responses: vec![PartitionProduceResponse {
                    index: 0,
                    error_code: ErrorCode::DuplicateSequenceNumber,
                    base_offset: -1,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        s.e.handle_event(
            Event::Response {
                node,
                id: request.id,
                body: InBody::Produce(resp),
            },
            s.t,
        );
        assert_eq!(outcome(&mut rx).unwrap().unwrap().offset, -1);
    }

    #[test]
    fn non_retriable_error_fails_every_record_of_the_batch() {
        let mut s = Sim::new(config(&[("linger.ms", "0")]), 1, 7);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        let mut rxs: Vec<Rx> = (1..4).map(|i| s.append(i, false).unwrap()).collect();
        let actions = s.e.poll(s.t);
        let Some(Action::Send { node, request }) = actions
            .into_iter()
            .find(|a| matches!(a, Action::Send { .. }))
        else {
            panic!("expected a produce request");
        };
        let resp = ProduceResponse {
            responses: vec![TopicProduceResponse {
                name: "t".into(),
                partition_responses: vec![PartitionProduceResponse {
                    index: 0,
                    error_code: ErrorCode::InvalidRecord,
                    error_message: Some("bad".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        s.e.handle_event(
            Event::Response {
                node,
                id: request.id,
                body: InBody::Produce(resp),
            },
            s.t,
        );
        for rx in &mut rxs {
            let e = outcome(rx).unwrap().unwrap_err();
            assert_eq!(e.error_code(), Some(ErrorCode::InvalidRecord), "{e}");
        }
        assert_eq!(s.e.metrics().records_failed, 3);
        // Later sequences would leave a gap: the epoch is bumped before the next batch.
        let mut rx = s.append(9, false).unwrap();
        s.run_until(|s| s.e.metrics().records_delivered == 2, 100);
        assert!(outcome(&mut rx).unwrap().is_ok());
        assert_eq!(s.e.producer_id().unwrap().epoch, 1);
    }

    #[test]
    fn records_without_a_leader_expire_at_delivery_timeout() {
        let cfg = config(&[
            ("delivery.timeout.ms", "1000"),
            ("request.timeout.ms", "500"),
        ]);
        let mut s = Sim::new(cfg, 1, 8);
        s.leaders = vec![-1];
        let r = ProducerRecord::new("t", "v");
        assert!(matches!(
            s.e.try_append(r, s.t, 0),
            Ok(Err(Blocked::NeedMetadata(_)))
        ));
        s.run_until(|s| s.e.meta.cluster.partition_count("t").is_some(), 20);
        let mut rx = s.append(1, false).unwrap();
        let t0 = s.t;
        s.run_until(|s| s.e.metrics().records_failed == 1, 1000);
        let e = outcome(&mut rx).unwrap().unwrap_err();
        assert!(matches!(e, ProduceError::DeliveryTimeout { .. }), "{e}");
        assert!(s.t - t0 >= Duration::from_millis(1000));
        assert!(s.t - t0 < Duration::from_millis(1100));
        // Metadata was asked for again and again (leaderless partition), with backoff.
        assert!(s.e.metrics().metadata_refreshes > 3);
    }

    #[test]
    fn acks_zero_completes_on_write_with_unknown_offset() {
        let mut s = Sim::new(config(&[("acks", "0")]), 1, 9);
        assert!(!s.e.config().enable_idempotence);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        let mut rx = s.append(1, false).unwrap();
        s.run_until(|s| s.e.metrics().records_delivered == 2, 50);
        assert_eq!(outcome(&mut rx).unwrap().unwrap().offset, -1);
        assert_eq!(
            s.e.producer_id(),
            None,
            "no InitProducerId without idempotence"
        );
    }

    #[test]
    fn request_timeout_drops_the_connection_and_retries() {
        let cfg = config(&[("request.timeout.ms", "200"), ("linger.ms", "0")]);
        let mut s = Sim::new(cfg, 1, 10);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        let mut rx = s.append(1, false).unwrap();
        // Swallow the request: no response ever comes on this connection.
        let actions = s.e.poll(s.t);
        assert!(actions.iter().any(|a| matches!(a, Action::Send { .. })));
        s.t += Duration::from_millis(250);
        let actions = s.e.poll(s.t);
        assert!(
            actions
                .iter()
                .any(|a| matches!(a, Action::Disconnect { node: 1 })),
            "{actions:?}"
        );
        s.run_until(|s| s.e.metrics().records_delivered == 2, 500);
        assert!(outcome(&mut rx).unwrap().is_ok());
        assert_eq!(s.parts[0].log, vec![0, 1]);
    }

    #[test]
    fn records_on_the_wire_fail_exactly_at_the_delivery_timeout() {
        let cfg = config(&[
            ("request.timeout.ms", "600"),
            ("delivery.timeout.ms", "1000"),
            ("linger.ms", "0"),
        ]);
        let mut s = Sim::new(cfg, 1, 12);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 50);
        // From now on the broker swallows every Produce request: the batch is sent, times out
        // at 600 ms, is sent again, and is on the wire when delivery.timeout.ms passes.
        s.swallow_produce = true;
        let sent_at = s.t;
        let mut rx = s.append(1, false).unwrap();
        let r = loop {
            if let Some(r) = outcome(&mut rx) {
                break r;
            }
            assert!(s.t < sent_at + Duration::from_secs(2), "no outcome");
            s.step(Duration::from_millis(2));
        };
        let elapsed = s.t - sent_at;
        assert!(
            elapsed >= Duration::from_millis(1000) && elapsed <= Duration::from_millis(1010),
            "failed after {elapsed:?}"
        );
        assert!(
            matches!(
                r,
                Err(ProduceError::DeliveryTimeout {
                    last_error: Some(ErrorCode::NetworkException),
                    ..
                })
            ),
            "{r:?}"
        );
        assert_eq!(s.e.metrics().batch_retries, 1, "{:?}", s.e.metrics());
        // The second request still times out later; nothing is reported twice and the buffer
        // is given back.
        s.run_until(|s| s.e.metrics().buffer_used == 0, 400);
        let m = s.e.metrics();
        assert_eq!((m.records_delivered, m.records_failed), (1, 1), "{m:?}");
    }

    #[test]
    fn buffer_memory_blocks_appends() {
        let mut s = Sim::new(
            config(&[("buffer.memory", "1000"), ("batch.size", "100")]),
            1,
            11,
        );
        s.append(0, false);
        s.run_until(|s| s.e.meta.cluster.partition_count("t").is_some(), 20);
        let mut blocked = false;
        for i in 0..100 {
            let r = ProducerRecord::new("t", Bytes::from(vec![b'x'; 50]));
            match s.e.try_append(r, s.t, i).unwrap() {
                Ok(_) => {}
                Err(Blocked::BufferFull(_)) => {
                    blocked = true;
                    break;
                }
                Err(b) => panic!("{b:?}"),
            }
        }
        assert!(blocked);
        assert!(s.e.metrics().buffer_used <= 1000);
        // A record that can never fit is refused outright.
        let big = ProducerRecord::new("t", Bytes::from(vec![0u8; 2000]));
        assert!(matches!(
            s.e.try_append(big, s.t, 0),
            Err(ProduceError::RecordTooLarge {
                limit_name: "buffer.memory",
                ..
            })
        ));
        // Delivering frees memory.
        s.run_until(|s| s.e.metrics().buffer_used == 0, 200);
        let r = ProducerRecord::new("t", Bytes::from(vec![b'x'; 50]));
        assert!(s.e.try_append(r, s.t, 0).unwrap().is_ok());
    }

    #[test]
    fn abort_fails_everything_with_closed() {
        let mut s = Sim::new(config(&[]), 1, 12);
        s.append(0, false);
        s.run_until(|s| s.e.meta.cluster.partition_count("t").is_some(), 20);
        let mut rxs: Vec<Rx> = (0..5).map(|i| s.append(i, false).unwrap()).collect();
        s.e.begin_close();
        assert!(matches!(
            s.e.try_append(ProducerRecord::new("t", "x"), s.t, 0),
            Err(ProduceError::Closed)
        ));
        s.e.abort();
        for rx in &mut rxs {
            assert_eq!(outcome(rx).unwrap().unwrap_err(), ProduceError::Closed);
        }
        assert!(s.e.is_idle());
    }

    /// Many records, random faults (errors, lost responses, resets), random response timing:
    /// every record gets exactly one outcome, each is written exactly once, and every
    /// partition's log is in send order.
    #[test]
    fn chaos_every_record_once_and_in_order() {
        for seed in 0..12u64 {
            let cfg = config(&[
                ("linger.ms", "2"),
                ("batch.size", "200"),
                ("retry.backoff.ms", "5"),
                ("retry.backoff.max.ms", "50"),
            ]);
            let mut s = Sim::new(cfg, 6, seed);
            s.p_error = 100;
            s.p_lost = 30;
            s.p_disconnect = 20;
            let mut rxs = vec![(0, s.append(0, true).unwrap(), false)];
            let n = 3000u64;
            let mut i = 1u64;
            while i < n || rxs.iter().any(|(_, _, done)| !done) {
                // Interleave appends with the network.
                for _ in 0..40 {
                    if i < n {
                        if let Some(rx) = s.append(i, true) {
                            rxs.push((i, rx, false));
                        }
                        i += 1;
                    }
                }
                let d = Duration::from_millis(1 + s.rng.next_u64() % 4);
                s.step(d);
                for (_, rx, done) in rxs.iter_mut().filter(|r| !r.2) {
                    if let Some(r) = outcome(rx) {
                        r.unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                        *done = true;
                    }
                }
                assert!(
                    s.t < Instant::now() + Duration::from_secs(100),
                    "seed {seed}: stuck: {:?}",
                    s.e.metrics()
                );
            }
            let mut seen = std::collections::HashSet::new();
            for (p, sp) in s.parts.iter().enumerate() {
                for w in sp.log.windows(2) {
                    assert!(
                        w[0] < w[1],
                        "seed {seed}: partition {p} out of order: {:?}",
                        w
                    );
                }
                for &v in &sp.log {
                    assert!(seen.insert(v), "seed {seed}: record {v} written twice");
                }
            }
            let m = s.e.metrics();
            assert_eq!(m.records_delivered as usize, rxs.len(), "seed {seed}");
            assert!(m.batch_retries > 0, "seed {seed}: faults were injected");
        }
    }

    #[test]
    fn unavailable_leader_is_left_out_of_sticky_choices() {
        let cfg = config(&[
            ("partitioner.availability.timeout.ms", "50"),
            ("batch.size", "200"),
            ("linger.ms", "1"),
        ]);
        let mut s = Sim::new(cfg, 3, 13);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 100);
        // Partition 1's leader (node 2) goes away and cannot be reached again.
        s.down.insert(2);
        s.wire.remove(&2);
        s.e.handle_event(
            Event::Disconnected {
                node: 2,
                error: "gone".into(),
            },
            s.t,
        );
        for i in 1..400 {
            s.append(i, false);
            s.step(Duration::from_millis(1));
        }
        let ids = s.e.sticky.load_ids("t").expect("adaptive stats in use");
        assert!(!ids.contains(&1), "{ids:?}");
        assert!(ids.contains(&0) && ids.contains(&2), "{ids:?}");
    }

    #[test]
    fn too_large_batches_are_split_keeping_order_and_sequences() {
        let mut s = Sim::new(config(&[("linger.ms", "20")]), 1, 14);
        s.append(0, false);
        s.run_until(|s| s.e.metrics().records_delivered == 1, 100);
        s.max_records = 3;
        let mut rxs: Vec<Rx> = (1..=20).map(|i| s.append(i, false).unwrap()).collect();
        s.run_until(|s| s.e.metrics().records_delivered == 21, 500);
        for (i, rx) in rxs.iter_mut().enumerate() {
            assert_eq!(outcome(rx).unwrap().unwrap().offset, i as i64 + 1);
        }
        assert_eq!(s.parts[0].log, (0..=20).collect::<Vec<u64>>());
        let m = s.e.metrics();
        assert!(m.batch_splits >= 3, "{m:?}");
        assert_eq!((m.epoch_bumps, m.records_failed), (0, 0), "{m:?}");
    }
}
