//! Cluster metadata as the producer sees it (brokers, topics, partition leaders) and when to
//! refresh it: on demand (unknown topic, leader moved, NOT_LEADER_OR_FOLLOWER…), at most every
//! `retry.backoff.ms`, and at least every `metadata.max.age.ms`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic, MetadataResponse};
use kwire_protocol::{ErrorCode, Uuid};

/// A broker's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddr {
    /// Host name or IP.
    pub host: String,
    /// Port.
    pub port: u16,
}

impl BrokerAddr {
    /// `host:port`.
    pub fn to_addr_string(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A partition's leader as metadata says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionLeader {
    /// Leader node id (−1: none).
    pub leader: i32,
    /// Leader epoch (−1: unknown).
    pub epoch: i32,
}

/// A topic as metadata says.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicInfo {
    /// Topic id (nil before Metadata v10).
    pub id: Uuid,
    /// Partitions, indexed by partition number.
    pub partitions: Vec<PartitionLeader>,
}

/// What the producer knows about the cluster.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    /// Brokers by node id.
    pub brokers: HashMap<i32, BrokerAddr>,
    /// Topics that exist, by name.
    pub topics: HashMap<Arc<str>, TopicInfo>,
    /// The last topic-level error for topics that metadata did not return (e.g.
    /// `UNKNOWN_TOPIC_OR_PARTITION`).
    pub topic_errors: HashMap<Arc<str>, ErrorCode>,
    /// Topic names by id, for Produce v13 responses.
    pub names_by_id: HashMap<Uuid, Arc<str>>,
}

impl Cluster {
    /// The leader of `topic`/`partition`, if known and alive.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        let t = self.topics.get(topic)?;
        let l = t.partitions.get(usize::try_from(partition).ok()?)?.leader;
        (l >= 0 && self.brokers.contains_key(&l)).then_some(l)
    }

    /// Partition count of `topic`.
    pub fn partition_count(&self, topic: &str) -> Option<usize> {
        self.topics.get(topic).map(|t| t.partitions.len())
    }

    /// The partitions of `topic` that have a leader.
    pub fn available_partitions(&self, topic: &str) -> Vec<i32> {
        match self.topics.get(topic) {
            None => Vec::new(),
            Some(t) => t
                .partitions
                .iter()
                .enumerate()
                .filter(|(_, p)| p.leader >= 0 && self.brokers.contains_key(&p.leader))
                .map(|(i, _)| i as i32)
                .collect(),
        }
    }
}

/// Whether a topic error means the topic will never appear (no point waiting).
pub(crate) fn is_fatal_topic_error(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidTopicException | ErrorCode::TopicAuthorizationFailed
    )
}

/// Metadata and its refresh schedule. Pure: the engine sends the requests it asks for.
#[derive(Debug)]
pub(crate) struct MetadataState {
    pub cluster: Cluster,
    /// Topics to ask about.
    wanted: Vec<Arc<str>>,
    update_requested: bool,
    in_flight: bool,
    last_refresh: Option<Instant>,
    last_attempt: Option<Instant>,
    max_age: Duration,
    backoff: Duration,
    /// Increases with every response applied.
    pub generation: u64,
}

impl MetadataState {
    pub fn new(max_age: Duration, backoff: Duration) -> Self {
        MetadataState {
            cluster: Cluster::default(),
            wanted: Vec::new(),
            update_requested: true,
            in_flight: false,
            last_refresh: None,
            last_attempt: None,
            max_age,
            backoff,
            generation: 0,
        }
    }

    /// Adds `topic` to the topics asked about; asks for an update if it is new.
    pub fn want(&mut self, topic: &Arc<str>) {
        if !self.wanted.iter().any(|t| t == topic) {
            self.wanted.push(topic.clone());
            self.update_requested = true;
        }
    }

    /// Asks for a refresh as soon as allowed.
    pub fn request_update(&mut self) {
        self.update_requested = true;
    }

    /// When the next request is due (`None`: one is in flight).
    pub fn next_update(&self, now: Instant) -> Option<Instant> {
        if self.in_flight {
            return None;
        }
        if self.update_requested {
            return Some(self.last_attempt.map_or(now, |t| t + self.backoff));
        }
        Some(self.last_refresh.map_or(now, |t| t + self.max_age))
    }

    /// Whether a request should go now.
    pub fn should_send(&self, now: Instant) -> bool {
        if self.in_flight {
            return false;
        }
        if self.update_requested {
            return self.last_attempt.is_none_or(|t| now >= t + self.backoff);
        }
        self.last_refresh.is_none_or(|t| now >= t + self.max_age)
    }

    /// The request to send, marking it in flight.
    pub fn build_request(&mut self, now: Instant, allow_auto_create: bool) -> MetadataRequest {
        self.in_flight = true;
        self.last_attempt = Some(now);
        self.update_requested = false;
        MetadataRequest {
            topics: Some(
                self.wanted
                    .iter()
                    .map(|t| MetadataRequestTopic {
                        name: Some(t.to_string()),
                        ..Default::default()
                    })
                    .collect(),
            ),
            allow_auto_topic_creation: allow_auto_create,
            ..Default::default()
        }
    }

    /// The request failed (no response).
    pub fn request_failed(&mut self) {
        self.in_flight = false;
        self.update_requested = true;
    }

    /// Applies a response. Partition leaders only move forward in leader epoch.
    pub fn apply(&mut self, resp: &MetadataResponse, now: Instant) {
        self.in_flight = false;
        self.last_refresh = Some(now);
        self.generation += 1;
        if !resp.brokers.is_empty() {
            self.cluster.brokers = resp
                .brokers
                .iter()
                .filter_map(|b| {
                    Some((
                        b.node_id,
                        BrokerAddr {
                            host: b.host.clone(),
                            port: u16::try_from(b.port).ok()?,
                        },
                    ))
                })
                .collect();
        }
        for t in &resp.topics {
            let Some(name) = t.name.as_deref() else {
                continue;
            };
            let name: Arc<str> = self
                .wanted
                .iter()
                .find(|w| &***w == name)
                .cloned()
                .unwrap_or_else(|| Arc::from(name));
            if t.error_code != ErrorCode::None {
                self.cluster.topic_errors.insert(name.clone(), t.error_code);
                // A topic that errors (e.g. being created) keeps its previous leaders, if any.
                self.update_requested = true;
                continue;
            }
            self.cluster.topic_errors.remove(&name);
            let n = t
                .partitions
                .iter()
                .map(|p| p.partition_index + 1)
                .max()
                .unwrap_or(0)
                .max(0) as usize;
            let old = self.cluster.topics.get(&name);
            let mut parts = vec![
                PartitionLeader {
                    leader: -1,
                    epoch: -1
                };
                n
            ];
            for p in &t.partitions {
                let Ok(i) = usize::try_from(p.partition_index) else {
                    continue;
                };
                let mut leader = PartitionLeader {
                    leader: if p.error_code == ErrorCode::LeaderNotAvailable {
                        -1
                    } else {
                        p.leader_id
                    },
                    epoch: p.leader_epoch,
                };
                if let Some(o) = old.and_then(|o| o.partitions.get(i))
                    && o.epoch >= 0
                    && leader.epoch >= 0
                    && leader.epoch < o.epoch
                {
                    leader = *o; // stale answer from a lagging broker
                }
                if leader.leader < 0 {
                    self.update_requested = true;
                }
                parts[i] = leader;
            }
            if !t.topic_id.is_nil() {
                self.cluster.names_by_id.insert(t.topic_id, name.clone());
            }
            self.cluster.topics.insert(
                name,
                TopicInfo {
                    id: t.topic_id,
                    partitions: parts,
                },
            );
        }
    }

    /// A Produce response named a new leader (KIP-951): use it until metadata catches up.
    pub fn update_leader(&mut self, topic: &str, partition: i32, leader: i32, epoch: i32) -> bool {
        if !self.cluster.brokers.contains_key(&leader) {
            return false;
        }
        let Some(t) = self.cluster.topics.get_mut(topic) else {
            return false;
        };
        let Some(p) = usize::try_from(partition)
            .ok()
            .and_then(|i| t.partitions.get_mut(i))
        else {
            return false;
        };
        if epoch > p.epoch {
            *p = PartitionLeader { leader, epoch };
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::metadata::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };

    use super::*;

    fn resp(leaders: &[(i32, i32)], err: ErrorCode) -> MetadataResponse {
        MetadataResponse {
            brokers: vec![
                MetadataResponseBroker {
                    node_id: 1,
                    host: "127.0.0.1".into(),
                    port: 9092,
                    ..Default::default()
                },
                MetadataResponseBroker {
                    node_id: 2,
                    host: "127.0.0.1".into(),
                    port: 9093,
                    ..Default::default()
                },
            ],
            topics: vec![MetadataResponseTopic {
                error_code: err,
                name: Some("t".into()),
                partitions: leaders
                    .iter()
                    .enumerate()
                    .map(|(i, &(l, e))| MetadataResponsePartition {
                        partition_index: i as i32,
                        leader_id: l,
                        leader_epoch: e,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn schedule_backoff_and_age() {
        let t0 = Instant::now();
        let mut m = MetadataState::new(Duration::from_secs(300), Duration::from_millis(100));
        m.want(&Arc::from("t"));
        assert!(m.should_send(t0));
        m.build_request(t0, true);
        assert!(!m.should_send(t0), "one in flight");
        m.apply(&resp(&[(1, 0), (2, 0)], ErrorCode::None), t0);
        assert!(!m.should_send(t0 + Duration::from_secs(1)));
        m.request_update();
        assert!(!m.should_send(t0 + Duration::from_millis(50)), "backoff");
        assert!(m.should_send(t0 + Duration::from_millis(100)));
        m.build_request(t0 + Duration::from_millis(100), true);
        m.apply(
            &resp(&[(1, 0), (2, 0)], ErrorCode::None),
            t0 + Duration::from_millis(100),
        );
        assert!(!m.should_send(t0 + Duration::from_secs(200)));
        assert!(
            m.should_send(t0 + Duration::from_secs(301)),
            "metadata.max.age.ms"
        );
    }

    #[test]
    fn leaders_and_stale_epochs() {
        let t0 = Instant::now();
        let mut m = MetadataState::new(Duration::from_secs(300), Duration::from_millis(100));
        m.want(&Arc::from("t"));
        m.build_request(t0, true);
        m.apply(&resp(&[(1, 5), (2, 5), (-1, 5)], ErrorCode::None), t0);
        let c = &m.cluster;
        assert_eq!(c.partition_count("t"), Some(3));
        assert_eq!(c.leader("t", 0), Some(1));
        assert_eq!(c.leader("t", 2), None);
        assert_eq!(c.available_partitions("t"), vec![0, 1]);
        assert!(
            m.should_send(t0 + Duration::from_millis(100)),
            "leaderless partition"
        );
        // A lagging broker answers with an older epoch: ignored.
        m.build_request(t0, true);
        m.apply(&resp(&[(2, 4), (2, 6), (2, 6)], ErrorCode::None), t0);
        assert_eq!(m.cluster.leader("t", 0), Some(1));
        assert_eq!(m.cluster.leader("t", 1), Some(2));
        assert_eq!(m.cluster.leader("t", 2), Some(2));
        // KIP-951 leader hint.
        assert!(m.update_leader("t", 0, 2, 9));
        assert_eq!(m.cluster.leader("t", 0), Some(2));
        assert!(!m.update_leader("t", 0, 1, 8));
    }

    #[test]
    fn topic_errors_are_remembered() {
        let t0 = Instant::now();
        let mut m = MetadataState::new(Duration::from_secs(300), Duration::from_millis(100));
        m.want(&Arc::from("t"));
        m.build_request(t0, true);
        m.apply(&resp(&[], ErrorCode::UnknownTopicOrPartition), t0);
        assert_eq!(m.cluster.partition_count("t"), None);
        assert_eq!(
            m.cluster.topic_errors.get("t"),
            Some(&ErrorCode::UnknownTopicOrPartition)
        );
        assert!(m.should_send(t0 + Duration::from_millis(100)));
        assert!(!is_fatal_topic_error(ErrorCode::UnknownTopicOrPartition));
        assert!(is_fatal_topic_error(ErrorCode::TopicAuthorizationFailed));
    }
}
