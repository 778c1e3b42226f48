//! The engine against kwire-mock's cluster model ([`kwire_mock::api::handle`]) over a
//! simulated network, with explicit time: requests go to the model as bodies, its outcomes
//! come back as events, in order per connection and at a random pace across connections.
//! The broker's rules (leaders, idempotent deduplication, message.max.bytes, injected errors)
//! are the model's; the network's faults (refused connections, lost responses, resets,
//! requests that vanish) are the simulation's.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kwire_mock::api::{Outcome, handle};
use kwire_mock::{Cluster, ClusterConfig, Injection, Scope, TopicSpec};
use kwire_protocol::api::{ApiVersionsRequest, RequestBody, ResponseBody};
use kwire_protocol::records::BatchView;
use kwire_protocol::{ApiKey, ErrorCode, RequestHeader};

use crate::config::ProducerConfig;
use crate::delivery::DeliveryFuture;
use crate::engine::{Action, Blocked, Engine, Event, Versions};
use crate::partitioner::Rng;
use crate::record::ProducerRecord;

/// The topic every simulation produces to.
pub(super) const TOPIC: &str = "t";

pub(super) struct Sim {
    pub e: Engine,
    pub t: Instant,
    /// Model time 0.
    t0: Instant,
    pub cluster: Cluster,
    /// Per node: events on their way to the engine, in order.
    pub wire: BTreeMap<i32, VecDeque<Event>>,
    pub rng: Rng,
    /// Probability (per mille) that a partition of a Produce request gets
    /// NOT_LEADER_OR_FOLLOWER from the broker (before its append).
    pub p_error: u32,
    /// Probability (per mille) that a Produce response is lost with its connection (after
    /// the append).
    pub p_lost: u32,
    /// Probability (per mille) per step and connection that the connection resets.
    pub p_disconnect: u32,
    /// Nodes whose connections are refused.
    pub down: BTreeSet<i32>,
    /// Produce requests vanish: not written, never answered.
    pub swallow_produce: bool,
}

/// A producer config with `bootstrap.servers` set and `extra` settings.
pub(super) fn config(extra: &[(&str, &str)]) -> ProducerConfig {
    let mut b = ProducerConfig::builder().bootstrap_servers("boot:9092");
    for (k, v) in extra {
        b = b.set(*k, *v);
    }
    b.build().unwrap()
}

/// Three brokers and topic `t` with `partitions` partitions, each on one broker (partition
/// `p` on broker `1 + p % 3`): no replication, so acks=all is answered at once.
pub(super) fn cluster_config(partitions: i32) -> ClusterConfig {
    ClusterConfig {
        brokers: 3,
        topics: vec![TopicSpec {
            name: TOPIC.into(),
            partitions,
            replication_factor: 1,
        }],
        ..ClusterConfig::default()
    }
}

impl Sim {
    pub fn new(cfg: ProducerConfig, partitions: i32, seed: u64) -> Self {
        Self::with_cluster(cfg, cluster_config(partitions), seed)
    }

    pub fn with_cluster(cfg: ProducerConfig, cluster: ClusterConfig, seed: u64) -> Self {
        let t = Instant::now();
        Sim {
            e: Engine::new(cfg, None, seed),
            t,
            t0: t,
            cluster: Cluster::new(cluster, 0).expect("a valid cluster"),
            wire: BTreeMap::new(),
            rng: Rng::new(seed),
            p_error: 0,
            p_lost: 0,
            p_disconnect: 0,
            down: BTreeSet::new(),
            swallow_produce: false,
        }
    }

    /// Model time now (ms).
    fn now_ms(&self) -> u64 {
        (self.t - self.t0).as_millis() as u64
    }

    pub fn roll(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && (self.rng.next_u64() % 1000) < u64::from(per_mille)
    }

    /// Appends record `i` (value `i`, key `k{i % 17}` if `key`), stepping while metadata is
    /// missing; `None` if the buffer is full.
    pub fn append(&mut self, i: u64, key: bool) -> Option<DeliveryFuture> {
        let mut r = ProducerRecord::new(TOPIC, Bytes::from(i.to_string()));
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

    /// The broker a node's connection reaches: itself, or for a bootstrap server, the first
    /// broker that is up.
    fn broker_of(&self, node: i32) -> Option<i32> {
        if node >= 0 {
            return Some(node).filter(|&b| self.cluster.is_up(b));
        }
        self.cluster
            .brokers()
            .map(|b| b.id)
            .find(|&b| self.cluster.is_up(b))
    }

    /// The versions the model's ApiVersions answer leads to.
    fn handshake(&mut self, broker: i32) -> Versions {
        let header = RequestHeader::new(ApiKey::API_VERSIONS, 3, 0, Some("sim"));
        let req = ApiVersionsRequest {
            client_software_name: "kwire-producer".into(),
            client_software_version: "0".into(),
            ..Default::default()
        };
        let now = self.now_ms();
        match handle(
            &mut self.cluster,
            broker,
            &header,
            RequestBody::ApiVersions(req),
            now,
        ) {
            Outcome::Respond(ResponseBody::ApiVersions(r), _) => {
                Versions::negotiate(&r).expect("the model speaks what the producer does")
            }
            other => panic!("ApiVersions: {other:?}"),
        }
    }

    /// Hands a request to the model; returns the event it leads to, if any.
    pub fn send(&mut self, node: i32, request: crate::engine::OutRequest) -> Option<Event> {
        let Some(broker) = self.broker_of(node) else {
            return Some(Event::Disconnected {
                node,
                error: "broker down".into(),
            });
        };
        let is_produce = matches!(request.body, RequestBody::Produce(_));
        if is_produce && self.swallow_produce {
            return None;
        }
        if let RequestBody::Produce(p) = &request.body {
            for pd in p.topic_data.iter().flat_map(|t| &t.partition_data) {
                if self.roll(self.p_error) {
                    self.cluster.faults.inject(Injection::new(
                        ApiKey::PRODUCE,
                        Scope::Partition {
                            topic: TOPIC.into(),
                            partition: pd.index,
                        },
                        ErrorCode::NotLeaderOrFollower,
                        1,
                    ));
                }
            }
        }
        let header = RequestHeader::new(
            request.body.api_key(),
            request.version,
            request.id as i32,
            Some("sim"),
        );
        let now = self.now_ms();
        let id = request.id;
        match handle(&mut self.cluster, broker, &header, request.body, now) {
            Outcome::Respond(body, _) => {
                if is_produce && self.roll(self.p_lost) {
                    // Appended, but the answer is lost with the connection.
                    self.wire.remove(&node);
                    return Some(Event::Disconnected {
                        node,
                        error: "lost".into(),
                    });
                }
                Some(Event::Response { node, id, body })
            }
            Outcome::NoResponse => Some(Event::Written { node, id }),
            Outcome::Close(why) => {
                self.wire.remove(&node);
                Some(Event::Disconnected {
                    node,
                    error: why.to_string(),
                })
            }
            other => panic!("the simulated cluster has no replication to wait for: {other:?}"),
        }
    }

    /// One round: poll, carry out actions, deliver some responses, advance time.
    pub fn step(&mut self, advance: Duration) {
        let actions = self.e.poll(self.t);
        for a in actions {
            match a {
                Action::Connect { node, .. } => {
                    let ev = match self.broker_of(node).filter(|_| !self.down.contains(&node)) {
                        None => Event::ConnectFailed {
                            node,
                            error: "refused".into(),
                        },
                        Some(broker) => {
                            self.wire.insert(node, VecDeque::new());
                            Event::Connected {
                                node,
                                versions: self.handshake(broker),
                            }
                        }
                    };
                    self.e.handle_event(ev, self.t);
                }
                Action::Disconnect { node } => {
                    self.wire.remove(&node);
                }
                Action::Send { node, request } => match self.send(node, request) {
                    Some(ev @ Event::Disconnected { .. }) => self.e.handle_event(ev, self.t),
                    Some(ev) => {
                        if let Some(q) = self.wire.get_mut(&node) {
                            q.push_back(ev);
                        }
                    }
                    None => {}
                },
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
        let now = self.now_ms();
        self.cluster.tick(now);
    }

    pub fn run_until(&mut self, mut done: impl FnMut(&Self) -> bool, max_steps: usize) {
        for _ in 0..max_steps {
            if done(self) {
                return;
            }
            self.step(Duration::from_millis(3));
        }
        panic!("not done after {max_steps} steps: {:?}", self.e.metrics());
    }

    /// The values of the records in partition `p`'s log on its leader, in offset order.
    pub fn log(&self, p: i32) -> Vec<u64> {
        let part = self.cluster.partition(TOPIC, p).expect("a partition");
        let Some(log) = part.leader_log() else {
            return Vec::new();
        };
        log.batches()
            .iter()
            .flat_map(|b| {
                let view = BatchView::decode(b.bytes.clone()).expect("a stored batch");
                view.records()
                    .map(|r| {
                        let r = r.expect("a stored record");
                        std::str::from_utf8(r.value.as_deref().expect("a value"))
                            .expect("utf-8")
                            .parse()
                            .expect("a number")
                    })
                    .collect::<Vec<u64>>()
            })
            .collect()
    }

    /// The broker's producer state for `producer_id` on partition `p`: its epoch and last
    /// sequence.
    pub fn producer_state(&self, p: i32, producer_id: i64) -> Option<(i16, Option<i32>)> {
        let part = self.cluster.partition(TOPIC, p)?;
        let entry = part.producers.get(producer_id)?;
        Some((entry.epoch, entry.last_seq()))
    }
}
