//! The cluster model: plain data and functions, deterministic, with the clock passed in as
//! milliseconds. No sockets here — the server drives it.

pub mod admin;
pub mod broker_config;
pub mod config;
pub mod config_change;
pub mod coordinator;
pub mod faults;
pub mod log;
pub mod partition;
pub mod producer_state;
#[cfg(test)]
mod proptests;
pub mod quotas;
pub mod scram;
pub mod stored_batch;
pub mod topic_config;

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use kwire_protocol::{ErrorCode, Uuid};

use crate::group::GroupCoordinator;

pub use admin::{Created, Layout, NewTopic, TopicError};
pub use config::{ClusterConfig, FollowerLag, InvalidLimit, Retention, TopicSpec};
pub use config_change::{AlterOp, BrokerConfigError, ConfigChange};
pub use coordinator::{OFFSETS_TOPIC, is_internal_topic};
pub use faults::{Faults, Injection, Scope, Target};
pub use partition::{Appended, BatchMeta, BrokerId, Partition};

/// The kinds of leader election a client can ask for (ElectLeaders' `election_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Election {
    /// The preferred replica (the first assigned), if it is alive and in sync.
    Preferred,
    /// For a partition without a leader: a live ISR member, else any live replica.
    Unclean,
}

/// A broker of the mock cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broker {
    /// Node id.
    pub id: BrokerId,
    /// Advertised host.
    pub host: String,
    /// Advertised port (0 until the listener is bound).
    pub port: u16,
    /// Rack, if any.
    pub rack: Option<String>,
    /// Whether it is running: a broker that is down refuses connections.
    pub up: bool,
    /// Lag of the replicas this broker follows (unless overridden per partition).
    pub follower_lag: Option<FollowerLag>,
}

/// A topic.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Name.
    pub name: String,
    /// Topic id (v10+ Metadata, v13 Produce, v13+ Fetch).
    pub id: Uuid,
    /// Partitions, by index.
    pub partitions: Vec<Partition>,
    /// Topic config overrides, validated (see [`topic_config`]).
    pub configs: BTreeMap<String, String>,
}

/// Outcome of an acks=all wait on one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckState {
    /// Every ISR member has the records.
    Done(ErrorCode),
    /// Still waiting for followers.
    Waiting,
}

/// What a fetch read returns.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadResult {
    /// The batches.
    pub records: Bytes,
    /// The high watermark.
    pub high_watermark: i64,
    /// The log start offset.
    pub log_start_offset: i64,
}

/// Counters kept by the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Batches appended (duplicates excluded).
    pub batches_appended: u64,
    /// Records appended (duplicates excluded).
    pub records_appended: u64,
    /// Idempotent retries answered from the producer-state cache.
    pub duplicates: u64,
    /// Records removed by truncation after leader changes.
    pub records_truncated: u64,
    /// Records deleted by retention (`log.retention.bytes` / `log.retention.ms`) on leaders.
    pub records_deleted: u64,
    /// Leader elections.
    pub elections: u64,
}

/// The whole cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The configuration in effect (the static one with what was changed at run time).
    config: ClusterConfig,
    /// The configuration the cluster was made with (DescribeConfigs' STATIC_BROKER_CONFIG).
    static_config: ClusterConfig,
    /// Broker configs set at run time, as DescribeConfigs lists them.
    dynamic_configs: broker_config::DynamicConfigs,
    brokers: BTreeMap<BrokerId, Broker>,
    topics: BTreeMap<String, Topic>,
    topic_ids: HashMap<Uuid, String>,
    /// How many topics of each name were ever created (new ids for re-created topics).
    created_names: HashMap<String, u64>,
    next_producer_id: i64,
    /// Injected errors.
    pub faults: Faults,
    /// Counters.
    pub stats: Stats,
    /// Consumer groups and committed offsets, served by the leaders of `__consumer_offsets`
    /// (see [`coordinator`]).
    groups: GroupCoordinator,
    /// Users' SCRAM credentials (see [`scram`]).
    scram: scram::ScramStore,
    /// Client quotas (see [`quotas`]).
    quotas: quotas::QuotaStore,
    now: u64,
}

/// Kafka's legal topic names: 1–249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn valid_topic_name(name: &str) -> bool {
    invalid_topic_reason(name).is_none()
}

/// Why `name` is not a legal topic name, in the words of Kafka's `Topic.validate` (which
/// requests answer after "Topic name is invalid: "); `None` for a legal name.
pub fn invalid_topic_reason(name: &str) -> Option<String> {
    const MAX: usize = 249;
    if name.is_empty() {
        return Some("the empty string is not allowed".into());
    }
    if name == "." || name == ".." {
        return Some(format!("'{name}' is not allowed"));
    }
    // Java counts UTF-16 units.
    if name.encode_utf16().count() > MAX {
        return Some(format!(
            "the length of '{name}' is longer than the max allowed length {MAX}"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return Some(format!(
            "'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    None
}

/// Reads the fields the model needs from a v2 record batch and validates it as Kafka does for
/// a client's write: CRC-32C, length and magic (CORRUPT_MESSAGE); then, as Kafka's
/// `LogValidator`, a record count equal to `lastOffsetDelta + 1`, no control batch, a
/// sequence whenever there is a producer id (INVALID_RECORD); and every record must parse, with
/// offset deltas 0, 1, 2, ... (CORRUPT_MESSAGE otherwise). Compressed batches are decompressed
/// for that, within the codec's cap.
pub fn batch_meta(batch: &Bytes) -> Result<BatchMeta, ErrorCode> {
    let view = kwire_protocol::records::BatchView::decode(batch.clone())
        .map_err(|_| ErrorCode::CorruptMessage)?;
    if view.size_in_bytes() != batch.len() {
        return Err(ErrorCode::CorruptMessage);
    }
    let header = view.header();
    if header.record_count <= 0
        || i64::from(header.record_count) != i64::from(header.last_offset_delta) + 1
        || view.is_control()
        || (header.producer_id >= 0 && header.base_sequence < 0)
    {
        return Err(ErrorCode::InvalidRecord);
    }
    let mut expected = 0i32;
    for r in view.record_refs().map_err(|_| ErrorCode::CorruptMessage)? {
        match r {
            Ok(r) if r.offset_delta == expected => expected += 1,
            _ => return Err(ErrorCode::CorruptMessage),
        }
    }
    if expected != header.record_count {
        return Err(ErrorCode::CorruptMessage);
    }
    Ok(BatchMeta {
        producer_id: header.producer_id,
        producer_epoch: header.producer_epoch,
        base_sequence: header.base_sequence,
        record_count: header.record_count,
        last_offset_delta: header.last_offset_delta,
        max_timestamp: header.max_timestamp,
    })
}

/// A topic id derived from the cluster id and topic name (FNV-1a), so runs are reproducible.
fn stable_topic_id(cluster_id: &str, name: &str) -> Uuid {
    let fnv = |seed: u64| {
        cluster_id
            .bytes()
            .chain([b'/'])
            .chain(name.bytes())
            .fold(seed, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
    };
    Uuid::from_u64_pair(fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4) | 1)
}

/// Whether a broker is up, borrowing only the broker table (so topics can be mutated meanwhile).
fn up_in(brokers: &BTreeMap<BrokerId, Broker>) -> impl Fn(BrokerId) -> bool + '_ {
    move |b| brokers.get(&b).is_some_and(|b| b.up)
}

/// A follower's lag: its broker's override, else the cluster default.
fn lag_in(
    brokers: &BTreeMap<BrokerId, Broker>,
    default: FollowerLag,
) -> impl Fn(BrokerId) -> FollowerLag + '_ {
    move |b| {
        brokers
            .get(&b)
            .and_then(|b| b.follower_lag)
            .unwrap_or(default)
    }
}

fn partition_in<'a>(
    topics: &'a mut BTreeMap<String, Topic>,
    topic: &str,
    partition: i32,
) -> Option<&'a mut Partition> {
    topics
        .get_mut(topic)?
        .partitions
        .get_mut(usize::try_from(partition).ok()?)
}

impl Cluster {
    /// A cluster built from `config` at model time `now` (ms). Start-up topics are created;
    /// brokers have port 0 until [`Cluster::set_port`].
    pub fn new(config: ClusterConfig, now: u64) -> Result<Self, TopicError> {
        let brokers = (1..=config.brokers.max(1))
            .map(|id| {
                (
                    id,
                    Broker {
                        id,
                        host: config.host.clone(),
                        port: 0,
                        rack: (!config.racks.is_empty()).then(|| {
                            config.racks[usize::try_from(id - 1).unwrap_or(0) % config.racks.len()]
                                .clone()
                        }),
                        up: true,
                        follower_lag: None,
                    },
                )
            })
            .collect();
        let mut c = Cluster {
            brokers,
            topics: BTreeMap::new(),
            topic_ids: HashMap::new(),
            created_names: HashMap::new(),
            next_producer_id: 1000,
            faults: Faults::default(),
            stats: Stats::default(),
            groups: GroupCoordinator::new(config.groups.clone()),
            scram: scram::ScramStore::with_users(
                config
                    .security
                    .sasl_users
                    .iter()
                    .map(|u| (u.name.as_str(), u.password.as_str())),
            ),
            quotas: quotas::QuotaStore::default(),
            now,
            static_config: config.clone(),
            dynamic_configs: broker_config::initial_dynamic(&config),
            config,
        };
        for t in c.config.topics.clone() {
            c.create_topic(&t)?;
        }
        Ok(c)
    }

    /// Client quotas (stored and described; the mock does not throttle).
    pub fn quotas(&self) -> &quotas::QuotaStore {
        &self.quotas
    }

    /// Client quotas, to change.
    pub fn quotas_mut(&mut self) -> &mut quotas::QuotaStore {
        &mut self.quotas
    }

    /// Users' SCRAM credentials, which SASL logins check.
    pub fn scram(&self) -> &scram::ScramStore {
        &self.scram
    }

    /// Users' SCRAM credentials, to change.
    pub fn scram_mut(&mut self) -> &mut scram::ScramStore {
        &mut self.scram
    }

    /// The configuration.
    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Model time of the last operation.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Every broker, up or down.
    pub fn brokers(&self) -> impl Iterator<Item = &Broker> {
        self.brokers.values()
    }

    /// One broker.
    pub fn broker(&self, id: BrokerId) -> Option<&Broker> {
        self.brokers.get(&id)
    }

    /// Sets a broker's advertised port once its listener is bound.
    pub fn set_port(&mut self, id: BrokerId, port: u16) {
        if let Some(b) = self.brokers.get_mut(&id) {
            b.port = port;
        }
    }

    /// Whether a broker is up.
    pub fn is_up(&self, id: BrokerId) -> bool {
        self.brokers.get(&id).is_some_and(|b| b.up)
    }

    /// The controller reported in Metadata: the lowest live broker.
    pub fn controller_id(&self) -> BrokerId {
        self.brokers.values().find(|b| b.up).map_or(-1, |b| b.id)
    }

    /// Every topic.
    pub fn topics(&self) -> impl Iterator<Item = &Topic> {
        self.topics.values()
    }

    /// A topic by name.
    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics.get(name)
    }

    /// A topic's name by id.
    pub fn topic_name(&self, id: &Uuid) -> Option<&str> {
        self.topic_ids.get(id).map(String::as_str)
    }

    /// A partition.
    pub fn partition(&self, topic: &str, partition: i32) -> Option<&Partition> {
        self.topics
            .get(topic)?
            .partitions
            .get(usize::try_from(partition).ok()?)
    }

    fn partition_mut(&mut self, topic: &str, partition: i32) -> Option<&mut Partition> {
        partition_in(&mut self.topics, topic, partition)
    }

    /// Advances replication, ISR changes, high watermarks and retention to `now`. Returns
    /// whether anything changed (waiters should look again).
    pub fn tick(&mut self, now: u64) -> bool {
        self.now = self.now.max(now);
        let now = self.now;
        let lag_of = lag_in(&self.brokers, self.config.follower_lag);
        let is_up = up_in(&self.brokers);
        let max = self.config.replica_lag_time_max_ms;
        let mut changed = self.groups.tick(now);
        for t in self.topics.values_mut() {
            for p in &mut t.partitions {
                changed |= p.replicate(now, max, &lag_of, &is_up);
            }
        }
        changed
    }

    /// When [`Cluster::tick`] next has work to do (model ms), if ever.
    pub fn next_due(&self) -> Option<u64> {
        let lag = lag_in(&self.brokers, self.config.follower_lag);
        let is_up = up_in(&self.brokers);
        let max = self.config.replica_lag_time_max_ms;
        self.topics
            .values()
            .flat_map(|t| t.partitions.iter())
            .filter_map(|p| p.next_due(self.now, max, &lag, &is_up))
            .chain(self.groups.next_due())
            .min()
    }

    /// Appends one partition's records (exactly one v2 batch) on `broker`, which must lead
    /// the partition. acks=all also requires `min.insync.replicas` in sync before appending.
    pub fn append(
        &mut self,
        broker: BrokerId,
        topic: &str,
        partition: i32,
        records: &Bytes,
        acks: i16,
        now: u64,
    ) -> Result<Appended, ErrorCode> {
        self.now = self.now.max(now);
        let now = self.now;
        let settings = self.topic_settings(topic);
        let (min_isr, max_bytes) = (settings.min_insync_replicas, settings.max_message_bytes);
        let Some(p) = self.partition(topic, partition) else {
            return Err(ErrorCode::UnknownTopicOrPartition);
        };
        if p.leader != Some(broker) {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        if records.len() > max_bytes {
            return Err(ErrorCode::MessageTooLarge);
        }
        let meta = batch_meta(records)?;
        if acks == -1 && (p.isr.len() as i32) < min_isr {
            return Err(ErrorCode::NotEnoughReplicas);
        }
        let p = self.partition_mut(topic, partition).expect("checked above");
        let r = p.append(&meta, records, now)?;
        if r.duplicate {
            self.stats.duplicates += 1;
        } else {
            self.stats.batches_appended += 1;
            self.stats.records_appended += u64::try_from(meta.record_count).unwrap_or(0);
        }
        Ok(r)
    }

    /// Whether an acks=all append that ended at `end_offset` is complete: every ISR member has
    /// it (with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
    /// `min.insync.replicas`), or the leader changed under it (NOT_LEADER_OR_FOLLOWER).
    pub fn ack_state(
        &self,
        broker: BrokerId,
        topic: &str,
        partition: i32,
        end_offset: i64,
        epoch: i32,
    ) -> AckState {
        let Some(p) = self.partition(topic, partition) else {
            return AckState::Done(ErrorCode::UnknownTopicOrPartition);
        };
        if p.leader != Some(broker) || p.leader_epoch != epoch {
            return AckState::Done(ErrorCode::NotLeaderOrFollower);
        }
        if p.high_watermark >= end_offset {
            if (p.isr.len() as i32) < self.topic_settings(topic).min_insync_replicas {
                AckState::Done(ErrorCode::NotEnoughReplicasAfterAppend)
            } else {
                AckState::Done(ErrorCode::None)
            }
        } else {
            AckState::Waiting
        }
    }

    /// Reads from the leader on `broker`, up to the high watermark: at most `max_bytes`, but
    /// with `min_one` at least one batch (Kafka's rule for the first partition of a fetch).
    pub fn read(
        &self,
        broker: BrokerId,
        topic: &str,
        partition: i32,
        offset: i64,
        max_bytes: usize,
        min_one: bool,
    ) -> Result<ReadResult, ErrorCode> {
        self.read_replica(broker, false, topic, partition, offset, max_bytes, min_one)
    }

    /// The batches a consumer can read from a partition: its current leader's log from the
    /// log start up to the high watermark. NOT_LEADER_OR_FOLLOWER while it has no leader.
    pub fn committed(&self, topic: &str, partition: i32) -> Result<Bytes, ErrorCode> {
        let leader = self
            .partition(topic, partition)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?
            .leader
            .ok_or(ErrorCode::NotLeaderOrFollower)?;
        self.read(leader, topic, partition, 0, usize::MAX, true)
            .map(|r| r.records)
    }

    /// Like [`Cluster::read`], but with `from_follower` a follower on `broker` serves the read
    /// too (consumer fetches v11+, KIP-392), up to the high watermark it knows: the smaller of
    /// the partition's and its own log end.
    #[allow(clippy::too_many_arguments)]
    pub fn read_replica(
        &self,
        broker: BrokerId,
        from_follower: bool,
        topic: &str,
        partition: i32,
        offset: i64,
        max_bytes: usize,
        min_one: bool,
    ) -> Result<ReadResult, ErrorCode> {
        let p = self
            .partition(topic, partition)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        let is_leader = p.leader == Some(broker);
        let serving_follower = from_follower && p.leader.is_some() && p.replicas.contains(&broker);
        if !(is_leader || serving_follower) {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        let log = p.logs.get(&broker).ok_or(ErrorCode::NotLeaderOrFollower)?;
        let hw = if is_leader {
            p.high_watermark
        } else {
            p.high_watermark.min(log.end_offset())
        };
        if offset < log.start_offset() || offset > hw.max(log.end_offset()) {
            return Err(ErrorCode::OffsetOutOfRange);
        }
        Ok(ReadResult {
            records: log.read(offset, hw, max_bytes, min_one),
            high_watermark: hw,
            log_start_offset: log.start_offset(),
        })
    }

    /// The replica a consumer in `rack` should fetch from instead of the leader on `broker`
    /// (KIP-392): a live in-sync follower in that rack, when the leader is not in it.
    pub fn preferred_read_replica(
        &self,
        broker: BrokerId,
        topic: &str,
        partition: i32,
        rack: &str,
    ) -> Option<BrokerId> {
        if rack.is_empty() {
            return None;
        }
        let p = self.partition(topic, partition)?;
        if p.leader != Some(broker) || self.broker(broker)?.rack.as_deref() == Some(rack) {
            return None;
        }
        p.isr.iter().copied().find(|r| {
            *r != broker
                && self
                    .broker(*r)
                    .is_some_and(|b| b.up && b.rack.as_deref() == Some(rack))
        })
    }

    /// Hands out a new producer id, at epoch 0.
    pub fn init_producer_id(&mut self) -> (i64, i16) {
        let id = self.next_producer_id;
        self.next_producer_id += 1;
        (id, 0)
    }

    // ------------------------------------------------------------------ faults

    fn each_partition(
        &mut self,
        mut f: impl FnMut(&mut Partition, &dyn Fn(BrokerId) -> bool, bool),
    ) {
        let is_up = up_in(&self.brokers);
        for t in self.topics.values_mut() {
            let unclean =
                topic_config::TopicSettings::of(&self.config, &t.configs).unclean_leader_election;
            for p in &mut t.partitions {
                f(p, &is_up, unclean);
            }
        }
    }

    /// Stops a broker: it leaves every ISR (except as a last member) and the partitions it led
    /// elect new leaders. The server closes its connections and refuses new ones.
    pub fn broker_down(&mut self, id: BrokerId) -> bool {
        let Some(b) = self.brokers.get_mut(&id) else {
            return false;
        };
        if !b.up {
            return false;
        }
        b.up = false;
        let mut elections = 0;
        self.each_partition(|p, is_up, unclean| {
            let before = (p.leader, p.leader_epoch);
            p.on_broker_down(id, unclean, is_up);
            if (p.leader, p.leader_epoch) != before {
                elections += 1;
            }
        });
        self.stats.elections += elections;
        tracing::info!(broker = id, elections, "broker down");
        true
    }

    /// Restarts a broker: its replicas truncate what their leaders do not have and catch up;
    /// offline partitions it can lead come back.
    pub fn broker_up(&mut self, id: BrokerId) -> bool {
        let now = self.now;
        let Some(b) = self.brokers.get_mut(&id) else {
            return false;
        };
        if b.up {
            return false;
        }
        b.up = true;
        let mut elections = 0;
        self.each_partition(|p, is_up, unclean| {
            let before = (p.leader, p.leader_epoch);
            p.on_broker_up(id, now, unclean, is_up);
            if (p.leader, p.leader_epoch) != before {
                elections += 1;
            }
        });
        self.stats.elections += elections;
        self.tick(now);
        tracing::info!(broker = id, elections, "broker up");
        true
    }

    /// The counters, with `records_truncated` and `records_deleted` summed over every
    /// partition.
    pub fn stats(&self) -> Stats {
        let partitions = || self.topics.values().flat_map(|t| t.partitions.iter());
        Stats {
            records_truncated: partitions().map(|p| p.truncated_records).sum(),
            records_deleted: partitions().map(|p| p.deleted_records).sum(),
            ..self.stats
        }
    }

    /// A leader election a client asked for (ElectLeaders), as Kafka's controller runs it:
    /// [`Election::Preferred`] moves leadership to the first assigned replica if it is alive
    /// and in sync; [`Election::Unclean`] gives a partition without a leader the first live
    /// ISR member, else the first live replica (whose log becomes the truth). Returns the
    /// leader elected, or Kafka's reason for electing none: UNKNOWN_TOPIC_OR_PARTITION,
    /// ELECTION_NOT_NEEDED (the preferred replica leads already; for an unclean election, the
    /// partition has a leader), PREFERRED_LEADER_NOT_AVAILABLE or ELIGIBLE_LEADERS_NOT_AVAILABLE.
    pub fn elect_leader(
        &mut self,
        topic: &str,
        partition: i32,
        election: Election,
    ) -> Result<BrokerId, ErrorCode> {
        let is_up = up_in(&self.brokers);
        let p = partition_in(&mut self.topics, topic, partition)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        match election {
            Election::Preferred => {
                // A partition always has replicas; none would leave no preferred one to elect.
                let Some(&preferred) = p.replicas.first() else {
                    return Err(ErrorCode::PreferredLeaderNotAvailable);
                };
                if p.leader == Some(preferred) {
                    return Err(ErrorCode::ElectionNotNeeded);
                }
                if !(p.isr.contains(&preferred) && is_up(preferred)) {
                    return Err(ErrorCode::PreferredLeaderNotAvailable);
                }
                p.elect(Some(preferred), false, &is_up);
            }
            Election::Unclean => {
                if p.leader.is_some() {
                    return Err(ErrorCode::ElectionNotNeeded);
                }
                if !p.elect(None, true, &is_up) {
                    return Err(ErrorCode::EligibleLeadersNotAvailable);
                }
            }
        }
        let leader = p.leader.ok_or(ErrorCode::EligibleLeadersNotAvailable)?;
        self.stats.elections += 1;
        tracing::info!(
            topic,
            partition,
            leader,
            ?election,
            "leader elected on request"
        );
        Ok(leader)
    }

    /// Moves leadership of a partition to `to` (which must be a live ISR member), or to the
    /// next eligible replica if `to` is `None`.
    pub fn move_leader(
        &mut self,
        topic: &str,
        partition: i32,
        to: Option<BrokerId>,
    ) -> Result<BrokerId, ErrorCode> {
        let is_up = up_in(&self.brokers);
        let p = partition_in(&mut self.topics, topic, partition)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        let target = match to {
            Some(t) => t,
            None => {
                let cur = p.leader;
                let n = p.replicas.len();
                let start = cur
                    .and_then(|c| p.replicas.iter().position(|r| *r == c))
                    .map_or(0, |i| i + 1);
                (0..n)
                    .map(|i| p.replicas[(start + i) % n])
                    .find(|r| Some(*r) != cur && p.isr.contains(r) && is_up(*r))
                    .ok_or(ErrorCode::EligibleLeadersNotAvailable)?
            }
        };
        if !(p.isr.contains(&target) && is_up(target)) {
            return Err(ErrorCode::EligibleLeadersNotAvailable);
        }
        if p.leader == Some(target) {
            return Ok(target);
        }
        p.elect(Some(target), false, &is_up);
        self.stats.elections += 1;
        Ok(target)
    }

    /// Reassigns a partition's replicas ("set followers"); see [`Partition::set_replicas`].
    pub fn set_replicas(
        &mut self,
        topic: &str,
        partition: i32,
        replicas: Vec<BrokerId>,
    ) -> Result<(), ErrorCode> {
        if replicas.iter().any(|r| !self.brokers.contains_key(r)) {
            return Err(ErrorCode::InvalidReplicaAssignment);
        }
        let now = self.now;
        let elected = {
            let is_up = up_in(&self.brokers);
            let p = partition_in(&mut self.topics, topic, partition)
                .ok_or(ErrorCode::UnknownTopicOrPartition)?;
            let before = p.leader_epoch;
            p.set_replicas(replicas, now, &is_up)?;
            p.leader_epoch != before
        };
        if elected {
            self.stats.elections += 1;
        }
        self.tick(now);
        Ok(())
    }

    /// Sets the ISR of a partition (the leader is always kept).
    pub fn set_isr(
        &mut self,
        topic: &str,
        partition: i32,
        isr: Vec<BrokerId>,
    ) -> Result<(), ErrorCode> {
        let now = self.now;
        self.partition_mut(topic, partition)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?
            .set_isr(isr, now);
        Ok(())
    }

    /// Sets the follower lag of a broker (every partition it follows), or clears it.
    pub fn set_broker_lag(&mut self, broker: BrokerId, lag: Option<FollowerLag>) -> bool {
        match self.brokers.get_mut(&broker) {
            Some(b) => {
                b.follower_lag = lag;
                true
            }
            None => false,
        }
    }

    /// Sets the lag of one follower of one partition, or clears the override.
    pub fn set_partition_lag(
        &mut self,
        topic: &str,
        partition: i32,
        follower: BrokerId,
        lag: Option<FollowerLag>,
    ) -> Result<(), ErrorCode> {
        let p = self
            .partition_mut(topic, partition)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        match lag {
            Some(l) => p.lag_overrides.insert(follower, l),
            None => p.lag_overrides.remove(&follower),
        };
        Ok(())
    }

    /// Sets the default follower lag.
    pub fn set_default_lag(&mut self, lag: FollowerLag) {
        self.config.follower_lag = lag;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::batch;

    const MAX: u64 = 10_000;

    /// Three brokers, topic "t" with one partition on [1, 2, 3] led by 1.
    fn cluster(min_isr: i32, unclean: bool) -> Cluster {
        let config = ClusterConfig {
            brokers: 3,
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 1,
                replication_factor: 3,
            }],
            min_insync_replicas: min_isr,
            replica_lag_time_max_ms: MAX,
            unclean_leader_election: unclean,
            ..ClusterConfig::default()
        };
        Cluster::new(config, 0).unwrap()
    }

    fn p(c: &Cluster) -> &Partition {
        c.partition("t", 0).unwrap()
    }

    /// [`cluster`] with retention limits.
    fn retaining(bytes: Option<u64>, ms: Option<u64>) -> Cluster {
        let config = ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 1,
                replication_factor: 3,
            }],
            replica_lag_time_max_ms: MAX,
            log_retention_bytes: bytes,
            log_retention_ms: ms,
            ..ClusterConfig::default()
        };
        Cluster::new(config, 0).unwrap()
    }

    /// Every replica's (log start, log end).
    fn bounds(c: &Cluster) -> Vec<(i64, i64)> {
        p(c).logs
            .values()
            .map(|l| (l.start_offset(), l.end_offset()))
            .collect()
    }

    fn leo(c: &Cluster, b: BrokerId) -> i64 {
        p(c).logs[&b].end_offset()
    }

    #[test]
    fn isr_shrinks_when_a_follower_lags_and_expands_when_it_recovers() {
        let mut c = cluster(1, false);
        c.set_broker_lag(3, Some(FollowerLag::Millis(20_000)));
        c.append(1, "t", 0, &batch(2, -1, 0, 0), 1, 0).unwrap();
        c.tick(5_000);
        assert_eq!(p(&c).isr, vec![1, 2, 3]);
        assert_eq!(p(&c).high_watermark, 0, "broker 3 holds the HW back");
        c.tick(MAX + 1);
        assert_eq!(
            p(&c).isr,
            vec![1, 2],
            "broker 3 left after replica.lag.time.max.ms"
        );
        assert_eq!(p(&c).high_watermark, 2);
        // The lag recovers: broker 3 copies and rejoins.
        c.set_broker_lag(3, None);
        c.tick(MAX + 2);
        assert_eq!(leo(&c, 3), 2);
        assert_eq!(p(&c).isr, vec![1, 2, 3]);
        assert_eq!(c.next_due(), None, "nothing left to replicate");
    }

    #[test]
    fn a_per_partition_lag_overrides_the_broker_lag() {
        let mut c = cluster(1, false);
        c.set_broker_lag(2, Some(FollowerLag::Millis(50)));
        c.set_partition_lag("t", 0, 2, Some(FollowerLag::Stalled))
            .unwrap();
        c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 0).unwrap();
        c.tick(100);
        assert_eq!((leo(&c, 2), leo(&c, 3)), (0, 1));
        c.set_partition_lag("t", 0, 2, None).unwrap();
        c.tick(101);
        assert_eq!(leo(&c, 2), 1, "back to the broker's 50 ms lag");
        assert_eq!(
            c.set_partition_lag("nope", 0, 2, None),
            Err(ErrorCode::UnknownTopicOrPartition)
        );
    }

    #[test]
    fn high_watermark_never_regresses_on_clean_elections() {
        let mut c = cluster(1, false);
        c.set_broker_lag(3, Some(FollowerLag::Millis(100)));
        let mut hws = Vec::new();
        c.append(1, "t", 0, &batch(5, -1, 0, 0), 1, 0).unwrap();
        c.tick(100);
        hws.push(p(&c).high_watermark);
        assert_eq!(hws[0], 5);
        c.append(1, "t", 0, &batch(5, -1, 0, 0), 1, 100).unwrap();
        c.tick(150);
        hws.push(p(&c).high_watermark);
        assert_eq!((leo(&c, 2), leo(&c, 3)), (10, 5));
        // The leader dies; 2 (first live ISR member) takes over with everything.
        assert!(c.broker_down(1));
        assert_eq!(p(&c).leader, Some(2));
        hws.push(p(&c).high_watermark);
        // Now move leadership to 3, which lacks the last 5 records: they are truncated from
        // broker 2, but the high watermark stays where it was.
        assert_eq!(c.move_leader("t", 0, Some(3)), Ok(3));
        hws.push(p(&c).high_watermark);
        assert_eq!(leo(&c, 2), 5);
        assert_eq!(c.stats().records_truncated, 5);
        c.tick(300);
        hws.push(p(&c).high_watermark);
        assert!(hws.windows(2).all(|w| w[0] <= w[1]), "{hws:?}");
        assert_eq!(hws, vec![5, 5, 5, 5, 5]);
        assert_eq!(c.stats().elections, 2);
    }

    #[test]
    fn acks_all_checks_min_isr_before_and_after_the_append() {
        let mut c = cluster(2, false);
        c.set_broker_lag(2, Some(FollowerLag::Stalled));
        c.set_broker_lag(3, Some(FollowerLag::Stalled));
        let a = c.append(1, "t", 0, &batch(3, -1, 0, 0), -1, 0).unwrap();
        let epoch = p(&c).leader_epoch;
        assert_eq!(
            c.ack_state(1, "t", 0, a.end_offset, epoch),
            AckState::Waiting
        );
        // Both followers fall out of the ISR: the write reached every ISR member (the leader
        // alone), but fewer than min.insync.replicas.
        c.tick(MAX + 1);
        assert_eq!(p(&c).isr, vec![1]);
        assert_eq!(
            c.ack_state(1, "t", 0, a.end_offset, epoch),
            AckState::Done(ErrorCode::NotEnoughReplicasAfterAppend)
        );
        // The next acks=all write is refused before the append; acks=1 still works.
        assert_eq!(
            c.append(1, "t", 0, &batch(1, -1, 0, 0), -1, MAX + 2),
            Err(ErrorCode::NotEnoughReplicas)
        );
        assert_eq!(p(&c).log_end_offset(), 3, "nothing appended");
        assert!(c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, MAX + 2).is_ok());
        // A follower catches up: acks=all is accepted again and completes.
        c.set_broker_lag(2, None);
        c.tick(MAX + 3);
        assert_eq!(p(&c).isr, vec![1, 2]);
        let a = c
            .append(1, "t", 0, &batch(1, -1, 0, 0), -1, MAX + 4)
            .unwrap();
        c.tick(MAX + 4);
        assert_eq!(
            c.ack_state(1, "t", 0, a.end_offset, epoch),
            AckState::Done(ErrorCode::None)
        );
    }

    #[test]
    fn acks_all_fails_with_not_leader_when_the_leader_moves_away() {
        let mut c = cluster(1, false);
        c.set_broker_lag(3, Some(FollowerLag::Millis(1000)));
        let a = c.append(1, "t", 0, &batch(1, -1, 0, 0), -1, 0).unwrap();
        let epoch = p(&c).leader_epoch;
        c.move_leader("t", 0, Some(2)).unwrap();
        assert_eq!(
            c.ack_state(1, "t", 0, a.end_offset, epoch),
            AckState::Done(ErrorCode::NotLeaderOrFollower)
        );
    }

    /// Broker 2 copies at once, broker 3 is stalled and leaves the ISR; 3 records are
    /// committed on 1 and 2. Then 2 and 1 die.
    fn lose_the_isr(unclean: bool) -> Cluster {
        let mut c = cluster(1, unclean);
        c.set_broker_lag(3, Some(FollowerLag::Stalled));
        c.append(1, "t", 0, &batch(3, -1, 0, 0), -1, 0).unwrap();
        c.tick(MAX + 1);
        assert_eq!(p(&c).isr, vec![1, 2]);
        assert_eq!(p(&c).high_watermark, 3);
        c.broker_down(2);
        assert_eq!(p(&c).isr, vec![1]);
        c.broker_down(1);
        c.set_broker_lag(3, None);
        c
    }

    #[test]
    fn clean_election_waits_for_the_isr_and_loses_nothing_committed() {
        let mut c = lose_the_isr(false);
        assert_eq!(p(&c).leader, None, "offline: no live ISR member");
        assert_eq!(
            c.append(3, "t", 0, &batch(1, -1, 0, 0), 1, MAX + 2),
            Err(ErrorCode::NotLeaderOrFollower)
        );
        // The last ISR member returns and leads with everything.
        c.broker_up(1);
        assert_eq!(p(&c).leader, Some(1));
        assert_eq!(p(&c).high_watermark, 3);
        c.tick(MAX + 3);
        assert_eq!(leo(&c, 3), 3);
        assert_eq!(c.stats().records_truncated, 0);
    }

    #[test]
    fn unclean_election_loses_committed_records() {
        let mut c = lose_the_isr(true);
        // Broker 3, never in sync, becomes leader: the committed records are gone.
        assert_eq!(p(&c).leader, Some(3));
        assert_eq!(p(&c).high_watermark, 0);
        assert_eq!(p(&c).log_end_offset(), 0);
        c.append(3, "t", 0, &batch(2, -1, 0, 0), 1, MAX + 2)
            .unwrap();
        // The old replicas come back and truncate to the new leader's log.
        c.broker_up(1);
        c.broker_up(2);
        c.tick(MAX + 3);
        assert_eq!((leo(&c, 1), leo(&c, 2), leo(&c, 3)), (2, 2, 2));
        assert_eq!(
            c.stats().records_truncated,
            6,
            "3 records on each of 1 and 2"
        );
        assert_eq!(p(&c).isr.len(), 3);
    }

    #[test]
    fn broker_down_and_up_cycle() {
        let config = ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 3,
                replication_factor: 3,
            }],
            ..ClusterConfig::default()
        };
        let mut c = Cluster::new(config, 0).unwrap();
        let leaders = |c: &Cluster| -> Vec<Option<BrokerId>> {
            c.topic("t")
                .unwrap()
                .partitions
                .iter()
                .map(|p| p.leader)
                .collect()
        };
        assert_eq!(leaders(&c), vec![Some(1), Some(2), Some(3)]);
        for i in 0..3 {
            let l = leaders(&c)[i].unwrap();
            c.append(l, "t", i as i32, &batch(4, -1, 0, 0), -1, 0)
                .unwrap();
        }
        c.tick(1);
        assert!(c.broker_down(2));
        assert!(!c.broker_down(2), "already down");
        assert!(!c.is_up(2));
        assert_eq!(c.controller_id(), 1);
        assert_eq!(leaders(&c), vec![Some(1), Some(3), Some(3)]);
        for p in &c.topic("t").unwrap().partitions {
            assert!(!p.isr.contains(&2));
        }
        // Writes continue without broker 2.
        c.append(3, "t", 1, &batch(2, -1, 0, 0), -1, 10).unwrap();
        c.tick(10);
        assert_eq!(c.partition("t", 1).unwrap().high_watermark, 6);
        assert!(c.broker_up(2));
        c.tick(20);
        for p in &c.topic("t").unwrap().partitions {
            assert_eq!(p.isr.len(), 3, "broker 2 caught up and rejoined");
            assert_eq!(p.logs[&2].end_offset(), p.log_end_offset());
        }
        // No automatic preferred-leader election, as with auto.leader.rebalance off.
        assert_eq!(leaders(&c), vec![Some(1), Some(3), Some(3)]);
        assert_eq!(c.stats().elections, 1);
    }

    #[test]
    fn move_leader_targets_and_refusals() {
        let mut c = cluster(1, false);
        c.set_broker_lag(3, Some(FollowerLag::Stalled));
        c.append(1, "t", 0, &batch(2, -1, 0, 0), 1, 0).unwrap();
        c.tick(MAX + 1);
        assert_eq!(p(&c).isr, vec![1, 2]);
        assert_eq!(
            c.move_leader("t", 0, Some(3)),
            Err(ErrorCode::EligibleLeadersNotAvailable),
            "3 is out of the ISR"
        );
        assert_eq!(c.move_leader("t", 0, Some(1)), Ok(1), "already leader");
        assert_eq!(p(&c).leader_epoch, 0);
        assert_eq!(c.move_leader("t", 0, None), Ok(2));
        assert_eq!(p(&c).leader_epoch, 1);
        assert_eq!(
            c.move_leader("t", 0, None),
            Ok(1),
            "wraps around, skipping 3"
        );
        c.broker_down(2);
        assert_eq!(
            c.move_leader("t", 0, Some(2)),
            Err(ErrorCode::EligibleLeadersNotAvailable)
        );
        assert_eq!(
            c.move_leader("t", 9, None),
            Err(ErrorCode::UnknownTopicOrPartition)
        );
    }

    #[test]
    fn set_replicas_adds_and_removes_followers() {
        let mut c = cluster(1, false);
        c.append(1, "t", 0, &batch(3, -1, 0, 0), 1, 0).unwrap();
        c.tick(1);
        // Drop broker 1 (the leader) and 3; 2 takes over alone.
        c.set_replicas("t", 0, vec![2]).unwrap();
        assert_eq!(p(&c).leader, Some(2));
        assert_eq!(p(&c).replicas, vec![2]);
        assert_eq!(p(&c).isr, vec![2]);
        // Add 3 back: it starts empty, copies and joins the ISR.
        c.set_replicas("t", 0, vec![2, 3]).unwrap();
        assert_eq!(p(&c).isr, vec![2, 3]);
        assert_eq!(leo(&c, 3), 3);
        assert_eq!(
            c.set_replicas("t", 0, vec![9]),
            Err(ErrorCode::InvalidReplicaAssignment)
        );
        assert_eq!(
            c.set_replicas("t", 0, vec![]),
            Err(ErrorCode::InvalidReplicaAssignment)
        );
    }

    #[test]
    fn set_isr_shrinks_until_the_follower_catches_up() {
        let mut c = cluster(3, false);
        c.set_isr("t", 0, vec![2]).unwrap();
        assert_eq!(p(&c).isr, vec![1, 2], "the leader stays in the ISR");
        assert_eq!(
            c.append(1, "t", 0, &batch(1, -1, 0, 0), -1, 0),
            Err(ErrorCode::NotEnoughReplicas)
        );
        c.tick(1);
        assert_eq!(p(&c).isr, vec![1, 2, 3], "caught up, so back in");
    }

    #[test]
    fn oversized_and_corrupt_batches_are_refused() {
        let mut c = cluster(1, false);
        let mut b = batch(2, -1, 0, 0).to_vec();
        let last = b.len() - 1;
        b[last] ^= 0xff;
        assert_eq!(
            c.append(1, "t", 0, &Bytes::from(b), 1, 0),
            Err(ErrorCode::CorruptMessage)
        );
        assert_eq!(
            c.append(1, "t", 0, &Bytes::from_static(b"short"), 1, 0),
            Err(ErrorCode::CorruptMessage)
        );
        // Kafka's LogValidator rules for client writes.
        let with = |opts: kwire_protocol::records::BatchOptions| {
            let mut buf = bytes::BytesMut::new();
            let mut w = kwire_protocol::records::BatchWriter::new(&mut buf, opts).unwrap();
            w.append(1, None, Some(b"v"), &[]).unwrap();
            w.append(2, None, Some(b"w"), &[]).unwrap();
            w.finish().unwrap();
            buf.freeze()
        };
        let control = with(kwire_protocol::records::BatchOptions {
            control: true,
            ..Default::default()
        });
        assert_eq!(
            c.append(1, "t", 0, &control, 1, 0),
            Err(ErrorCode::InvalidRecord)
        );
        let no_seq = with(kwire_protocol::records::BatchOptions {
            producer_id: 5,
            producer_epoch: 0,
            base_sequence: -1,
            ..Default::default()
        });
        assert_eq!(
            c.append(1, "t", 0, &no_seq, 1, 0),
            Err(ErrorCode::InvalidRecord)
        );
        let gap = with(kwire_protocol::records::BatchOptions {
            last_offset_delta: Some(5),
            ..Default::default()
        });
        assert_eq!(
            c.append(1, "t", 0, &gap, 1, 0),
            Err(ErrorCode::InvalidRecord)
        );
        // A record whose length is cut short, with a valid CRC over the damage.
        let mut b = batch(2, -1, 0, 0).to_vec();
        let n = b.len();
        b[n - 1] = 0x7f; // last byte of the last record (its header count) now claims 63 headers
        kwire_protocol::testing::reseal(&mut b);
        assert_eq!(
            c.append(1, "t", 0, &Bytes::from(b), 1, 0),
            Err(ErrorCode::CorruptMessage)
        );
        assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 0);
        let mut small = cluster(1, false);
        small.config.message_max_bytes = 10;
        assert_eq!(
            small.append(1, "t", 0, &batch(2, -1, 0, 0), 1, 0),
            Err(ErrorCode::MessageTooLarge)
        );
        assert_eq!(
            c.append(2, "t", 0, &batch(2, -1, 0, 0), 1, 0),
            Err(ErrorCode::NotLeaderOrFollower)
        );
        assert_eq!(
            c.append(1, "u", 0, &batch(2, -1, 0, 0), 1, 0),
            Err(ErrorCode::UnknownTopicOrPartition)
        );
    }

    #[test]
    fn retention_is_off_by_default() {
        let mut c = cluster(1, false);
        for i in 0..20 {
            c.append(1, "t", 0, &batch(2, -1, 0, 0), 1, i * 1_000_000)
                .unwrap();
            c.tick(i * 1_000_000);
        }
        assert_eq!(bounds(&c), vec![(0, 40); 3]);
        assert_eq!(p(&c).leader_log().unwrap().batches().len(), 20);
        assert_eq!(c.stats().records_deleted, 0);
    }

    #[test]
    fn size_retention_keeps_at_least_the_limit_and_deletes_whole_batches() {
        let len = batch(2, -1, 0, 0).len() as u64;
        // Room for two and a half batches: Kafka's rule keeps a batch while the log would
        // fall below the limit without it, so three stay.
        let mut c = retaining(Some(len * 5 / 2), None);
        for i in 0..6 {
            let a = c.append(1, "t", 0, &batch(2, -1, 0, 0), 1, i).unwrap();
            // The append itself cannot delete what is above the high watermark.
            assert_eq!(
                a.log_start_offset,
                (i64::try_from(i).unwrap() - 2).max(0) * 2
            );
            c.tick(i);
        }
        let log = p(&c).leader_log().unwrap();
        assert_eq!(log.batches().len(), 3);
        assert_eq!(log.size_bytes() as u64, 3 * len);
        assert_eq!(p(&c).log_start_offset(), 6);
        assert_eq!(p(&c).high_watermark, 12);
        assert_eq!(
            bounds(&c),
            vec![(6, 12); 3],
            "followers follow the log start"
        );
        assert_eq!(c.stats().records_deleted, 6, "counted once, on the leader");
        // The next append answers with the log start it left.
        let a = c.append(1, "t", 0, &batch(2, -1, 0, 0), 1, 10).unwrap();
        assert_eq!((a.base_offset, a.log_start_offset), (12, 8));
        // Reads below the log start are out of range; at it they start there.
        assert_eq!(
            c.read(1, "t", 0, 7, 1 << 20, true),
            Err(ErrorCode::OffsetOutOfRange)
        );
        let r = c.read(1, "t", 0, 8, 1 << 20, true).unwrap();
        assert_eq!(r.log_start_offset, 8);
        assert_eq!(r.records.len() as u64, 2 * len, "8..12: up to the HW");
    }

    #[test]
    fn a_zero_size_limit_empties_the_log_up_to_the_high_watermark() {
        let mut c = retaining(Some(0), None);
        c.append(1, "t", 0, &batch(3, -1, 0, 0), 1, 0).unwrap();
        c.append(1, "t", 0, &batch(3, -1, 0, 0), 1, 0).unwrap();
        assert_eq!(bounds(&c)[0], (0, 6), "nothing committed yet");
        c.tick(0);
        assert_eq!(bounds(&c), vec![(6, 6); 3]);
        assert!(p(&c).leader_log().unwrap().batches().is_empty());
        assert_eq!(p(&c).leader_log().unwrap().size_bytes(), 0);
        // An empty log still takes writes at the right offsets.
        let a = c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 1).unwrap();
        assert_eq!((a.base_offset, a.log_start_offset), (6, 6));
    }

    #[test]
    fn time_retention_runs_on_tick_by_append_time() {
        let mut c = retaining(None, Some(1_000));
        // Record timestamps are long past (batch() writes 1000 ms after the epoch): only the
        // append time on the model clock counts.
        c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 0).unwrap();
        c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 500).unwrap();
        c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 1_500).unwrap();
        c.tick(1_500);
        assert_eq!(p(&c).high_watermark, 3);
        assert_eq!(p(&c).log_start_offset(), 1, "appended 1500 ms ago");
        assert_eq!(
            c.next_due(),
            Some(1_501),
            "the batch appended at 500 expires next"
        );
        c.tick(1_500);
        assert_eq!(
            p(&c).log_start_offset(),
            1,
            "exactly retention.ms old: kept"
        );
        c.tick(1_501);
        assert_eq!(bounds(&c), vec![(2, 3); 3]);
        assert_eq!(c.next_due(), Some(2_501));
        // Appends do not apply time retention: the clock only moves on tick.
        c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 3_000).unwrap();
        assert_eq!(p(&c).log_start_offset(), 2);
        c.tick(3_000);
        assert_eq!(bounds(&c), vec![(3, 4); 3]);
        assert_eq!(c.stats().records_deleted, 3);
    }

    #[test]
    fn retention_never_deletes_at_or_above_the_high_watermark() {
        let mut c = retaining(Some(0), Some(0));
        c.set_broker_lag(3, Some(FollowerLag::Stalled));
        let a = c.append(1, "t", 0, &batch(2, -1, 0, 0), -1, 0).unwrap();
        let epoch = p(&c).leader_epoch;
        c.tick(5_000);
        // Broker 3 is stalled but still in the ISR: HW 0, the acks=all write is pending, and
        // retention deletes nothing however far past its limits the log is.
        assert_eq!(p(&c).high_watermark, 0);
        assert_eq!(
            c.ack_state(1, "t", 0, a.end_offset, epoch),
            AckState::Waiting
        );
        assert_eq!(bounds(&c), vec![(0, 2), (0, 2), (0, 0)]);
        assert_eq!(c.next_due(), Some(MAX + 1), "only the ISR timeout is due");
        // Broker 3 leaves the ISR: the write commits, then retention deletes it everywhere
        // but on the stalled follower, which fetches nothing and so learns nothing.
        c.tick(MAX + 1);
        assert_eq!(p(&c).isr, vec![1, 2]);
        assert_eq!(
            c.ack_state(1, "t", 0, a.end_offset, epoch),
            AckState::Done(ErrorCode::None)
        );
        assert_eq!(bounds(&c), vec![(2, 2), (2, 2), (0, 0)]);
        // Once it fetches again it is behind the leader's log start: it starts over there,
        // copies what follows and rejoins the ISR.
        c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, MAX + 2)
            .unwrap();
        c.set_broker_lag(3, None);
        c.tick(MAX + 2);
        assert_eq!(p(&c).isr, vec![1, 2, 3]);
        assert_eq!(p(&c).high_watermark, 3);
        assert_eq!(bounds(&c), vec![(3, 3); 3]);
        assert_eq!(
            c.stats().records_truncated,
            0,
            "retention is not truncation"
        );
    }

    #[test]
    fn a_lagging_follower_keeps_what_it_has_not_copied() {
        let len = batch(1, -1, 0, 0).len() as u64;
        let mut c = retaining(Some(len), None);
        c.set_broker_lag(3, Some(FollowerLag::Millis(100)));
        for t in 0..3 {
            c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, t).unwrap();
        }
        c.tick(50);
        // Broker 3 holds the HW at 0: nothing is deleted yet.
        assert_eq!(bounds(&c), vec![(0, 3), (0, 3), (0, 0)]);
        c.tick(100);
        // It copied the first batch only; the HW is 1 and the leader may delete offset 0.
        assert_eq!(p(&c).high_watermark, 1);
        assert_eq!(bounds(&c), vec![(1, 3), (1, 3), (1, 1)]);
        c.tick(102);
        assert_eq!(bounds(&c), vec![(2, 3), (2, 3), (2, 3)]);
    }

    #[test]
    fn producer_state_survives_retention_and_leader_elections() {
        let mut c = retaining(Some(0), None);
        // Producer 7 writes sequences 0..1 and 2..3, then both batches are deleted.
        c.append(1, "t", 0, &batch(2, 7, 0, 0), -1, 0).unwrap();
        c.append(1, "t", 0, &batch(2, 7, 0, 2), -1, 0).unwrap();
        c.tick(1);
        assert_eq!(bounds(&c), vec![(4, 4); 3]);
        // Leadership moves: broker 2 rebuilds its producer table from a log with no batch of
        // producer 7, plus the state its deleted batches left.
        assert_eq!(c.move_leader("t", 0, Some(2)), Ok(2));
        // A retry of a deleted batch is still recognised, with its original offset...
        let dup = c.append(2, "t", 0, &batch(2, 7, 0, 2), -1, 2).unwrap();
        assert!(dup.duplicate);
        assert_eq!((dup.base_offset, dup.log_start_offset), (2, 4));
        // ...a gap is still refused (a producer with no state would be accepted)...
        assert_eq!(
            c.append(2, "t", 0, &batch(1, 7, 0, 9), -1, 2),
            Err(ErrorCode::OutOfOrderSequenceNumber)
        );
        // ...and the next sequence is accepted.
        let next = c.append(2, "t", 0, &batch(1, 7, 0, 4), -1, 2).unwrap();
        assert_eq!((next.base_offset, next.duplicate), (4, false));
    }

    #[test]
    fn a_replica_that_starts_over_forgets_producer_state_as_kafka_does() {
        let mut c = retaining(Some(0), None);
        c.set_broker_lag(3, Some(FollowerLag::Stalled));
        c.append(1, "t", 0, &batch(2, 7, 0, 0), 1, 0).unwrap();
        c.tick(MAX + 1);
        c.set_broker_lag(3, None);
        c.tick(MAX + 2);
        assert_eq!(bounds(&c), vec![(2, 2); 3]);
        let kept = |c: &Cluster, b: BrokerId| p(c).logs[&b].producers_below_start().len();
        assert_eq!((kept(&c, 1), kept(&c, 2), kept(&c, 3)), (1, 1, 0));
        // Led by broker 3, producer 7 is unknown: any sequence is accepted, as in Kafka.
        c.broker_down(1);
        c.broker_down(2);
        assert_eq!(p(&c).leader, Some(3));
        assert!(c.append(3, "t", 0, &batch(1, 7, 0, 9), 1, MAX + 3).is_ok());
    }
}
