//! The producer's protocol state machine, in the style of quinn-proto: no sockets, no clock,
//! no runtime. It takes records ([`Engine::try_append`]), events from the network
//! ([`Engine::handle_event`]) and the current time, and answers with [`Action`]s for the driver
//! to carry out ([`Engine::poll`]): connect, disconnect, send this request.
//!
//! It owns the [accumulator](crate::accumulator), the [idempotence](crate::idempotence) state,
//! the [metadata](crate::metadata) and the connection bookkeeping, and it decides retries.
//! Every record that enters ends in exactly one outcome: delivered, failed, expired or closed.
//!
//! | module | what |
//! |---|---|
//! | [`io`] | actions, events and negotiated versions: what the engine and the driver exchange |
//! | [`timers`] | every deadline the engine waits for, in one table |
//! | [`nodes`] | connection state per node, requests in flight |
//! | `append` | records in: checks, topic lookup, partition choice |
//! | `connect` | opening connections, request timeouts, lost connections |
//! | `producer_id` | InitProducerId and epoch bumps |
//! | `produce` | Produce requests out, Produce responses in |
//! | `outcome` | retries, delivery timeouts and the end of every batch |

mod append;
mod connect;
pub(crate) mod io;
pub(crate) mod nodes;
mod outcome;
mod produce;
mod producer_id;
#[cfg(test)]
mod tests;
pub(crate) mod timers;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use kwire_protocol::ErrorCode;
use kwire_protocol::api::{RequestBody, ResponseBody};
use tracing::{debug, warn};

use crate::accumulator::{Accumulator, AccumulatorConfig, ReadyCheck};
use crate::config::ProducerConfig;
use crate::error::ProduceError;
use crate::idempotence::Idempotence;
use crate::metadata::MetadataState;
use crate::partitioner::{Partitioner, Rng, StickyPartitioner};
use crate::retry::Backoff;
use crate::sequence::{ProducerIdAndEpoch, Tp};

pub(crate) use append::Blocked;
use append::LastTopic;
pub(crate) use io::{Action, Event, OutRequest, Versions};
use nodes::{Nodes, Pending};
use timers::{Timer, TimerTable};

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

/// The producer state machine. See the module docs.
#[derive(Debug)]
pub(crate) struct Engine {
    cfg: ProducerConfig,
    acc: Accumulator,
    idem: Option<Idempotence>,
    meta: MetadataState,
    sticky: StickyPartitioner,
    custom: Option<Arc<dyn Partitioner>>,
    /// Per topic index: the metadata generation and the partitions with a leader (a vector:
    /// looked up for every record without a key).
    avail_cache: Vec<(u64, Vec<i32>)>,
    /// The topic of the last record taken, valid for one metadata generation: spares the
    /// name's validation and the lookups for a run of records to one topic.
    last_topic: Option<LastTopic>,
    nodes: Nodes,
    timers: TimerTable,
    rng: Rng,
    retry_backoff: Backoff,
    reconnect_backoff: Backoff,
    fatal: Option<ProduceError>,
    closing: bool,
    aborted: bool,
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
            batch_max_size: cfg.batch_max_size,
            linger: cfg.linger,
            delivery_timeout: cfg.delivery_timeout,
            buffer_memory: cfg.buffer_memory,
            max_request_size: cfg.max_request_size,
            guarantee_order: !cfg.enable_idempotence && cfg.max_in_flight == 1,
        });
        Engine {
            idem: cfg.enable_idempotence.then(Idempotence::new),
            meta: MetadataState::new(cfg.metadata_max_age, cfg.retry_backoff),
            sticky: StickyPartitioner::new(cfg.batch_size, cfg.partitioner_adaptive, seed),
            custom,
            avail_cache: Vec::new(),
            last_topic: None,
            nodes: Nodes::new(&cfg.bootstrap_servers),
            timers: TimerTable::default(),
            rng: Rng::new(seed ^ 0x5eed),
            retry_backoff: Backoff {
                base: cfg.retry_backoff,
                max: cfg.retry_backoff_max,
            },
            reconnect_backoff: Backoff {
                base: cfg.reconnect_backoff,
                max: cfg.reconnect_backoff_max,
            },
            fatal: None,
            closing: false,
            aborted: false,
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
        m.requests_in_flight = self.nodes.in_flight() as u64;
        m.buffer_used = self.acc.buffer_used() as u64;
        m
    }

    /// The current producer id and epoch (idempotent producers).
    pub fn producer_id(&self) -> Option<ProducerIdAndEpoch> {
        self.idem.as_ref().and_then(Idempotence::producer)
    }

    /// The partition count of `topic` in the current metadata, if known.
    pub fn partition_count(&self, topic: &str) -> Option<usize> {
        self.meta.cluster.partition_count(topic)
    }

    /// The error the last metadata gave for `topic`, if any.
    pub fn topic_error(&self, topic: &str) -> Option<ErrorCode> {
        self.meta.cluster.topic_errors.get(topic).copied()
    }

    /// Whether `send` callers waiting for metadata or memory should look again.
    pub fn take_wake_waiters(&mut self) -> bool {
        std::mem::take(&mut self.wake_waiters)
    }

    /// When [`poll`](Self::poll) wants to run again at the latest.
    pub fn next_wakeup(&self) -> Option<Instant> {
        self.timers.next()
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
                .nodes
                .requests()
                .any(|f| matches!(f.kind, Pending::Produce(_)))
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
        for f in self.nodes.take_all_requests() {
            if let Pending::Produce(batches) = f.kind {
                for b in batches {
                    self.acc.returned(b.tp);
                    self.fail_batch(b, ProduceError::Closed, None, false);
                }
            }
        }
        self.nodes.ids()
    }

    /// Runs timers and decides what to send. Call after every event and when
    /// [`next_wakeup`](Self::next_wakeup) comes.
    pub fn poll(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        // Armed again below by whichever step waits for a connection.
        self.timers.set(Timer::Reconnect, None);
        self.time_out_requests(now, &mut out);
        self.expire_batches(now);
        self.advance_idempotence();
        self.send_init_producer_id(now, &mut out);
        let ready = self.ready_leaders(now);
        self.send_metadata(now, &mut out);
        self.send_produce(now, ready, &mut out);
        self.update_partitioner_load(now);
        // Requests on the wire, including those this poll sent, time out.
        let deadline = self.nodes.next_request_deadline(self.cfg.request_timeout);
        self.timers.set(Timer::RequestTimeout, deadline);
        out
    }

    /// The leaders with data to send now; asks for metadata when a partition with data has
    /// no known leader.
    fn ready_leaders(&mut self, now: Instant) -> ReadyCheck {
        let (meta, acc) = (&self.meta, &self.acc);
        let ready = acc.ready(now, |tp| leader_of(meta, acc, tp));
        if ready.unknown_leader {
            self.meta.request_update();
        }
        ready
    }

    /// Sends a Metadata request when one is due, on the least loaded ready connection.
    fn send_metadata(&mut self, now: Instant, out: &mut Vec<Action>) {
        if !self.meta.should_send(now) {
            self.timers.set(Timer::Metadata, self.meta.next_update(now));
            return;
        }
        self.timers.set(Timer::Metadata, None);
        match self.nodes.ready_node(self.cfg.max_in_flight, |_| true) {
            Some((node, v)) => {
                let req = self
                    .meta
                    .build_request(now, self.cfg.allow_auto_create_topics);
                let id = self.nodes.start_request(node, now, Pending::Metadata);
                out.push(Action::Send {
                    node,
                    request: OutRequest {
                        id,
                        version: v.metadata,
                        body: RequestBody::Metadata(req),
                        expect_response: true,
                    },
                });
            }
            None => self.connect_any(now, out),
        }
    }

    /// Handles something that happened on the network.
    pub fn handle_event(&mut self, ev: Event, now: Instant) {
        match ev {
            Event::Connected { node, versions } => {
                debug!(node, ?versions, "connected");
                self.nodes.connected(node, versions);
            }
            Event::ConnectFailed { node, error } => {
                warn!(node, %error, "connection failed");
                self.connection_lost(node, now, &error);
            }
            Event::AuthFailed { node, error } => {
                self.connection_lost(node, now, &error.to_string());
                self.set_fatal(ProduceError::Authentication(error));
            }
            Event::Disconnected { node, error } => {
                debug!(node, %error, "disconnected");
                self.connection_lost(node, now, &error);
            }
            Event::Written { node, id } => {
                let Some(f) = self.nodes.finish_request(node, id) else {
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
                let Some(f) = self.nodes.finish_request(node, id) else {
                    return;
                };
                match (f.kind, body) {
                    (Pending::Produce(batches), ResponseBody::Produce(resp)) => {
                        self.on_produce_response(batches, resp, now)
                    }
                    (Pending::Metadata, ResponseBody::Metadata(resp)) => {
                        self.meta.apply(&resp, now);
                        self.counters.metadata_refreshes += 1;
                        self.wake_waiters = true;
                        // Update addresses of known nodes (no effect on live connections).
                        for (&id, b) in &self.meta.cluster.brokers {
                            self.nodes.set_addr(id, b.to_addr_string());
                        }
                    }
                    (Pending::InitProducerId, ResponseBody::InitProducerId(resp)) => {
                        self.on_init_producer_id(resp, now)
                    }
                    (kind, body) => {
                        warn!(
                            node,
                            api = body.api_key().name(),
                            "response of the wrong type; dropping the connection"
                        );
                        self.fail_request(kind, now);
                        self.connection_lost(node, now, "response of the wrong type");
                    }
                }
            }
        }
    }
}

/// The leader of `tp` in `meta`.
fn leader_of(meta: &MetadataState, acc: &Accumulator, tp: Tp) -> Option<i32> {
    meta.cluster.leader(acc.topic_name(tp.topic), tp.partition)
}
