//! One broker (or cluster) under test: a connection per node, what it advertises, and the
//! answers it gave, in the order the sequences asked.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use kwire_protocol::api::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use kwire_protocol::api::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic, MetadataResponse};
use kwire_protocol::{Message, Request, Uuid};

use super::normalise::{Norm, Normalise};
use super::wire::{Bend, Outcome, Wire};

/// One compared request: which, and the normalised answer.
pub struct Answer {
    /// API name.
    pub api: &'static str,
    /// The version sent (or claimed).
    pub version: i16,
    /// The sequence step.
    pub step: &'static str,
    /// The normalised answer as pretty `Debug` text, or what happened instead.
    pub text: String,
}

/// Where a partition lives in this cluster.
#[derive(Clone, Copy)]
pub struct Placement {
    /// The leader's node id.
    pub leader: i32,
    /// A replica that is not the leader, if any.
    pub follower: Option<i32>,
    /// The leader epoch.
    pub epoch: i32,
    /// The topic id.
    pub topic_id: Uuid,
}

/// A broker or cluster under test.
pub struct Side {
    /// "Kafka" or "kwire-mock".
    pub name: &'static str,
    wires: BTreeMap<i32, Wire>,
    /// What the first broker advertises.
    pub versions: ApiVersionsResponse,
    /// The answers so far.
    pub answers: Vec<Answer>,
}

impl Side {
    /// Connects to `bootstrap` and learns the brokers and their API versions.
    pub fn connect(name: &'static str, bootstrap: &str) -> Side {
        let first = bootstrap.split(',').next().expect("a bootstrap address");
        let mut wire = Wire::new(first);
        let versions = match wire.call(&ApiVersionsRequest::default(), 0) {
            Outcome::Answer(v) => v,
            other => panic!("{name}: ApiVersions at {first}: {other:?}"),
        };
        let mut side = Side {
            name,
            wires: BTreeMap::from([(-1, wire)]),
            versions,
            answers: Vec::new(),
        };
        let md: MetadataResponse = side.expect(-1, &MetadataRequest::default(), 1);
        for b in md.brokers {
            side.wires
                .insert(b.node_id, Wire::new(&format!("{}:{}", b.host, b.port)));
        }
        side
    }

    /// The highest version of `R` this side and the codec both speak.
    pub fn max_version<R: Message>(&self) -> i16 {
        let (_, max) = self
            .versions
            .range_for(R::API_KEY)
            .unwrap_or_else(|| panic!("{} does not serve {}", self.name, R::API_KEY.name()));
        max.min(R::VERSIONS.max)
    }

    /// Sends `req` to `node` (-1: the bootstrap broker).
    pub fn call<R: Request>(&mut self, node: i32, req: &R, v: i16) -> Outcome<R::Response> {
        self.wire(node).call(req, v)
    }

    /// Sends `req` bent by `bend` to `node`.
    pub fn call_bent<R: Request>(
        &mut self,
        node: i32,
        req: &R,
        v: i16,
        bend: Bend,
    ) -> Outcome<R::Response> {
        self.wire(node).call_bent(req, v, bend)
    }

    /// Sends a request that takes no answer, and a Metadata probe after it.
    pub fn call_unanswered<R: Request>(
        &mut self,
        node: i32,
        req: &R,
        v: i16,
    ) -> Outcome<&'static str> {
        let probe_v = self.max_version::<MetadataRequest>();
        self.wire(node)
            .call_unanswered(req, v, &MetadataRequest::default(), probe_v)
    }

    /// Sends `req` to `node` and panics unless it is answered: for set-up steps.
    pub fn expect<R: Request>(&mut self, node: i32, req: &R, v: i16) -> R::Response {
        match self.call(node, req, v) {
            Outcome::Answer(r) => r,
            other => panic!(
                "{}: {} v{v} to node {node}: {other:?}",
                self.name,
                R::API_KEY.name()
            ),
        }
    }

    /// Sends `req` to `node` until its answer is `settled`, at most 10 s, and records the last
    /// answer: for a step after a change Kafka's brokers learn from the metadata log a moment
    /// after its controller took it. An answer that is not a response ends the wait.
    pub fn record_settled<R: Request>(
        &mut self,
        node: i32,
        req: &R,
        v: i16,
        step: &'static str,
        norm: &Norm<'_>,
        settled: impl Fn(&R::Response) -> bool,
    ) where
        R::Response: Normalise + Debug,
    {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let o = self.call(node, req, v);
            let done = match &o {
                Outcome::Answer(r) => settled(r),
                _ => true,
            };
            if done || Instant::now() > deadline {
                self.record(R::API_KEY.name(), v, step, o, norm);
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Records `outcome` as the answer to one step, normalised by `norm`.
    pub fn record<T: Normalise + Debug>(
        &mut self,
        api: &'static str,
        version: i16,
        step: &'static str,
        outcome: Outcome<T>,
        norm: &Norm<'_>,
    ) {
        let text = match outcome {
            Outcome::Answer(mut body) => {
                body.normalise(norm);
                format!("{body:#?}")
            }
            Outcome::Closed => "<connection closed>".into(),
            Outcome::Silent => "<no answer>".into(),
            Outcome::Garbled(e) => format!("<unreadable answer: {e}>"),
        };
        self.answers.push(Answer {
            api,
            version,
            step,
            text,
        });
    }

    /// Auto-creates `topic` through Metadata and waits until every partition has a leader and
    /// its full replica set in sync (so that acks=all and ISR lists are settled on both sides).
    pub fn create_topic(&mut self, topic: &str) -> Vec<Placement> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let placement = self.placement(topic, true);
            if let Some(p) = placement.filter(|p| self.leaders_serve(topic, p)) {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "{}: topic {topic} not ready in 60 s",
                self.name
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The placement of every partition of `topic`, once all have leaders and full ISRs.
    fn placement(&mut self, topic: &str, auto_create: bool) -> Option<Vec<Placement>> {
        let v = self.max_version::<MetadataRequest>();
        let req = MetadataRequest {
            topics: Some(vec![MetadataRequestTopic {
                name: Some(topic.into()),
                ..Default::default()
            }]),
            allow_auto_topic_creation: auto_create,
            ..Default::default()
        };
        let md = self.expect(-1, &req, v);
        let t = md.topics.first()?;
        let mut parts = t.partitions.clone();
        parts.sort_by_key(|p| p.partition_index);
        let ready = t.error_code.is_ok()
            && !parts.is_empty()
            && parts
                .iter()
                .all(|p| p.leader_id >= 0 && p.isr_nodes.len() == p.replica_nodes.len());
        ready.then(|| {
            parts
                .iter()
                .map(|p| Placement {
                    leader: p.leader_id,
                    follower: p.replica_nodes.iter().copied().find(|r| *r != p.leader_id),
                    epoch: p.leader_epoch,
                    topic_id: t.topic_id,
                })
                .collect()
        })
    }

    /// Whether every partition's leader already acts as leader (a Kafka broker learns it
    /// shortly after the metadata says so).
    fn leaders_serve(&mut self, topic: &str, placement: &[Placement]) -> bool {
        let v = self.max_version::<ListOffsetsRequest>();
        (0..).zip(placement).all(|(i, p)| {
            let req = ListOffsetsRequest {
                replica_id: -1,
                topics: vec![ListOffsetsTopic {
                    name: topic.into(),
                    partitions: vec![ListOffsetsPartition {
                        partition_index: i,
                        timestamp: -1,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let r = self.expect(p.leader, &req, v);
            r.topics
                .iter()
                .flat_map(|t| &t.partitions)
                .all(|p| p.error_code.is_ok())
        })
    }

    fn wire(&mut self, node: i32) -> &mut Wire {
        let name = self.name;
        self.wires
            .get_mut(&node)
            .unwrap_or_else(|| panic!("{name}: no broker {node}"))
    }
}
