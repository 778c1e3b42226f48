//! The model's admin operations, as Kafka's controller applies them: topics created (with
//! Kafka's checks, in Kafka's order), deleted and grown, topic configs altered, records
//! deleted. Each rule lives here once; the wire handlers, the `Controller` and auto-creation
//! all come through these functions.

use std::collections::BTreeMap;

use kwire_protocol::{ErrorCode, Uuid};

use super::topic_config::{self, ConfigError, TopicSettings};
use super::{BrokerId, Cluster, Partition, Topic, TopicSpec, valid_topic_name};

/// Most partitions one topic may have in the mock: a request asking for more is refused with
/// INVALID_PARTITIONS instead of allocating them (Kafka has no such cap).
pub const MAX_PARTITIONS: i32 = 10_000;

/// Most partitions the whole mock cluster may hold, for the same reason: many topics of
/// [`MAX_PARTITIONS`] each in one request would otherwise do the same harm.
pub const MAX_CLUSTER_PARTITIONS: usize = 100_000;

/// How a new topic's partitions are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Counts, -1 meaning the broker default (`num.partitions`, `default.replication.factor`).
    Counts {
        /// Partitions.
        partitions: i32,
        /// Replication factor.
        replication_factor: i16,
    },
    /// Explicit replicas, by partition index (preferred leader first).
    Assigned(Vec<(i32, Vec<BrokerId>)>),
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// Name.
    pub name: String,
    /// Partitions and replicas.
    pub layout: Layout,
    /// Topic config overrides, as given (checked on creation).
    pub configs: Vec<(String, Option<String>)>,
}

impl From<&TopicSpec> for NewTopic {
    fn from(spec: &TopicSpec) -> NewTopic {
        NewTopic {
            name: spec.name.clone(),
            layout: Layout::Counts {
                partitions: spec.partitions,
                replication_factor: spec.replication_factor,
            },
            configs: Vec::new(),
        }
    }
}

/// Why a topic operation is refused; each maps to Kafka's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    /// Already exists.
    #[error("topic {0} already exists")]
    Exists(String),
    /// No such topic.
    #[error("topic {0} does not exist")]
    Unknown(String),
    /// No topic has this id.
    #[error("no topic has id {0}")]
    UnknownId(Uuid),
    /// Not a legal name, or one that collides with an existing topic ('.' and '_' are the
    /// same character in metric names).
    #[error("invalid topic name {0:?}: {1}")]
    InvalidName(String, &'static str),
    /// A partition count that is not positive, not larger, or above [`MAX_PARTITIONS`].
    #[error("invalid partition count for {0}: {1}")]
    InvalidPartitions(String, String),
    /// A replication factor that is not positive or larger than the brokers.
    #[error("invalid replication factor for {0}: {1}")]
    InvalidReplicationFactor(String, String),
    /// An explicit assignment Kafka refuses.
    #[error("invalid replica assignment for {0}: {1}")]
    InvalidReplicaAssignment(String, &'static str),
    /// A request that contradicts itself.
    #[error("invalid request for {0}: {1}")]
    InvalidRequest(String, &'static str),
    /// A refused topic config.
    #[error("{0}")]
    InvalidConfig(#[from] ConfigError),
}

impl TopicError {
    /// Kafka's error code for it.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            TopicError::Exists(_) => ErrorCode::TopicAlreadyExists,
            TopicError::Unknown(_) => ErrorCode::UnknownTopicOrPartition,
            TopicError::UnknownId(_) => ErrorCode::UnknownTopicId,
            TopicError::InvalidName(..) => ErrorCode::InvalidTopicException,
            TopicError::InvalidPartitions(..) => ErrorCode::InvalidPartitions,
            TopicError::InvalidReplicationFactor(..) => ErrorCode::InvalidReplicationFactor,
            TopicError::InvalidReplicaAssignment(..) => ErrorCode::InvalidReplicaAssignment,
            TopicError::InvalidRequest(..) => ErrorCode::InvalidRequest,
            TopicError::InvalidConfig(_) => ErrorCode::InvalidConfig,
        }
    }
}

/// What a created (or validated) topic looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Topic id (for a validation, the id it would get).
    pub id: Uuid,
    /// Partitions.
    pub partitions: i32,
    /// Replicas per partition.
    pub replication_factor: i16,
    /// The stored overrides.
    pub configs: BTreeMap<String, String>,
}

/// Whether `name` and `other` differ only in '.' against '_'.
fn collides(name: &str, other: &str) -> bool {
    name != other && name.replace('.', "_") == other.replace('.', "_")
}

impl Cluster {
    /// Checks `new` as Kafka's controller does and, unless `validate_only`, creates it, placing
    /// replicas round-robin over the brokers.
    pub fn create_topic_with(
        &mut self,
        new: &NewTopic,
        validate_only: bool,
    ) -> Result<Created, TopicError> {
        let name = &new.name;
        if !valid_topic_name(name) {
            return Err(TopicError::InvalidName(
                name.clone(),
                "1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-', not '.' or '..'",
            ));
        }
        if self.topics.contains_key(name) {
            return Err(TopicError::Exists(name.clone()));
        }
        if self.topics.keys().any(|t| collides(name, t)) {
            return Err(TopicError::InvalidName(
                name.clone(),
                "collides with an existing topic ('.' and '_' collide)",
            ));
        }
        let replicas = self.placement(name, &new.layout)?;
        self.room_for(name, replicas.len())?;
        let mut configs = BTreeMap::new();
        for (k, v) in &new.configs {
            configs.insert(k.clone(), topic_config::validate(k, v.as_deref())?);
        }
        let created = Created {
            id: self.topic_id_for(name),
            partitions: i32::try_from(replicas.len()).unwrap_or(i32::MAX),
            replication_factor: i16::try_from(replicas[0].len()).unwrap_or(i16::MAX),
            configs,
        };
        if validate_only {
            return Ok(created);
        }
        let id = created.id;
        *self.created_names.entry(name.clone()).or_insert(0) += 1;
        let settings = TopicSettings::of(&self.config, &created.configs);
        let partitions = (0..)
            .zip(replicas)
            .map(|(i, r)| self.new_partition(i, r, &settings))
            .collect();
        self.topic_ids.insert(id, name.clone());
        self.topics.insert(
            name.clone(),
            Topic {
                name: name.clone(),
                id,
                partitions,
                configs: created.configs.clone(),
            },
        );
        Ok(Created { id, ..created })
    }

    /// Creates a topic from a start-up or control spec (see [`Cluster::create_topic_with`]).
    pub fn create_topic(&mut self, spec: &TopicSpec) -> Result<&Topic, TopicError> {
        self.create_topic_with(&NewTopic::from(spec), false)?;
        Ok(&self.topics[&spec.name])
    }

    /// Creates `name` with the broker defaults if auto-creation is on. Returns whether the
    /// topic exists afterwards.
    pub fn auto_create(&mut self, name: &str) -> bool {
        if self.topics.contains_key(name) {
            return true;
        }
        if !self.config.auto_create_topics {
            return false;
        }
        // Unlike CreateTopics, auto-creation settles for fewer replicas than the default when
        // there are fewer brokers.
        let rf = self
            .config
            .default_replication_factor
            .min(self.brokers.len() as i16)
            .max(1);
        let spec = TopicSpec {
            name: name.to_owned(),
            partitions: self.config.num_partitions,
            replication_factor: rf,
        };
        self.create_topic(&spec).is_ok()
    }

    /// The id a topic `name` created now gets: derived from the cluster id, the name and how
    /// many topics of that name existed before, so runs are reproducible and a re-created
    /// topic gets a new id. A validation answers with it too, as Kafka answers with an id.
    fn topic_id_for(&self, name: &str) -> Uuid {
        let key = match self.created_names.get(name).copied().unwrap_or(0) {
            0 => name.to_owned(),
            generation => format!("{name}#{generation}"),
        };
        super::stable_topic_id(&self.config.cluster_id, &key)
    }

    /// The replicas of each new partition: Kafka's checks on counts or on an explicit
    /// assignment.
    fn placement(&self, name: &str, layout: &Layout) -> Result<Vec<Vec<BrokerId>>, TopicError> {
        let ids: Vec<BrokerId> = self.brokers.keys().copied().collect();
        match layout {
            Layout::Counts {
                partitions,
                replication_factor,
            } => {
                let partitions = match *partitions {
                    -1 => self.config.num_partitions,
                    p => p,
                };
                let rf = match *replication_factor {
                    -1 => self.config.default_replication_factor,
                    r => r,
                };
                if !(1..=MAX_PARTITIONS).contains(&partitions) {
                    return Err(TopicError::InvalidPartitions(
                        name.to_owned(),
                        format!("{partitions} is not between 1 and {MAX_PARTITIONS}"),
                    ));
                }
                let live = self.brokers.values().filter(|b| b.up).count();
                if rf < 1 {
                    return Err(TopicError::InvalidReplicationFactor(
                        name.to_owned(),
                        format!("{rf} is not positive"),
                    ));
                }
                if usize::try_from(rf).unwrap_or(0) > live {
                    return Err(TopicError::InvalidReplicationFactor(
                        name.to_owned(),
                        format!("{rf} replicas cannot be placed on {live} live broker(s)"),
                    ));
                }
                let rf = usize::try_from(rf).unwrap_or(1);
                let start = self.topics.len();
                Ok((0..usize::try_from(partitions).unwrap_or(0))
                    .map(|p| {
                        let first = (start + p) % ids.len();
                        (0..rf).map(|i| ids[(first + i) % ids.len()]).collect()
                    })
                    .collect())
            }
            Layout::Assigned(assignment) => {
                let bad = |why| Err(TopicError::InvalidReplicaAssignment(name.to_owned(), why));
                if assignment.is_empty() {
                    return bad("no partitions");
                }
                if assignment.len() > MAX_PARTITIONS as usize {
                    return Err(TopicError::InvalidPartitions(
                        name.to_owned(),
                        format!("more than {MAX_PARTITIONS} partitions"),
                    ));
                }
                let mut by_index: Vec<Option<Vec<BrokerId>>> = vec![None; assignment.len()];
                for (index, replicas) in assignment {
                    match usize::try_from(*index)
                        .ok()
                        .and_then(|i| by_index.get_mut(i))
                    {
                        Some(slot @ None) => *slot = Some(replicas.clone()),
                        _ => return bad("partition indexes must be 0, 1, 2, ... each once"),
                    }
                }
                let placed: Vec<Vec<BrokerId>> = by_index.into_iter().flatten().collect();
                self.check_assignment(name, &placed, placed[0].len())?;
                Ok(placed)
            }
        }
    }

    /// Kafka's checks on explicit replicas: none empty, no broker twice, every broker known,
    /// all of `rf` replicas.
    fn check_assignment(
        &self,
        name: &str,
        replicas: &[Vec<BrokerId>],
        rf: usize,
    ) -> Result<(), TopicError> {
        let bad = |why| Err(TopicError::InvalidReplicaAssignment(name.to_owned(), why));
        for r in replicas {
            if r.is_empty() {
                return bad("a partition has no replicas");
            }
            if r.iter().enumerate().any(|(i, b)| r[..i].contains(b)) {
                return bad("a broker is listed twice for one partition");
            }
            if r.iter().any(|b| !self.brokers.contains_key(b)) {
                return bad("an assignment names a broker that does not exist");
            }
            if r.len() != rf {
                return bad("all partitions must have the same number of replicas");
            }
        }
        Ok(())
    }

    /// A new, empty partition on `replicas`: replicas on brokers that are down start out of
    /// sync, and the first live one leads.
    fn new_partition(&self, index: i32, replicas: Vec<BrokerId>, s: &TopicSettings) -> Partition {
        let mut part = Partition::new(index, replicas, self.config.dedup, self.now);
        part.retention = s.retention;
        let up: Vec<BrokerId> = part
            .replicas
            .iter()
            .copied()
            .filter(|r| self.is_up(*r))
            .collect();
        if !up.is_empty() {
            part.isr = up.clone();
            if !up.contains(&part.replicas[0]) {
                part.leader = Some(up[0]);
            }
        }
        part
    }

    /// Refuses `added` more partitions if the cluster would then hold more than
    /// [`MAX_CLUSTER_PARTITIONS`].
    fn room_for(&self, topic: &str, added: usize) -> Result<(), TopicError> {
        let held: usize = self.topics.values().map(|t| t.partitions.len()).sum();
        if held + added > MAX_CLUSTER_PARTITIONS {
            return Err(TopicError::InvalidPartitions(
                topic.to_owned(),
                format!("the mock holds at most {MAX_CLUSTER_PARTITIONS} partitions in all"),
            ));
        }
        Ok(())
    }

    /// The name of the topic `name` or `id` names (by id when the name is absent).
    pub fn resolve_topic(&self, name: Option<&str>, id: &Uuid) -> Result<String, TopicError> {
        match name {
            Some(n) if self.topics.contains_key(n) => Ok(n.to_owned()),
            Some(n) => Err(TopicError::Unknown(n.to_owned())),
            None => self
                .topic_name(id)
                .map(str::to_owned)
                .ok_or(TopicError::UnknownId(*id)),
        }
    }

    /// Deletes a topic: it leaves Metadata at once, its name can be created again (with a new
    /// id), and requests waiting on its partitions end with UNKNOWN_TOPIC_OR_PARTITION.
    /// `__consumer_offsets` too, as Kafka 4.3 deletes it (its next group lookup creates it
    /// again).
    pub fn delete_topic(&mut self, name: &str) -> Result<Uuid, TopicError> {
        let t = self
            .topics
            .remove(name)
            .ok_or_else(|| TopicError::Unknown(name.to_owned()))?;
        self.topic_ids.remove(&t.id);
        self.groups.on_topic_deleted(name);
        tracing::info!(topic = name, "topic deleted");
        Ok(t.id)
    }

    /// Grows `topic` to `count` partitions, on `assignment` if given (one replica list per new
    /// partition), else round-robin with the replication factor of partition 0.
    pub fn create_partitions(
        &mut self,
        topic: &str,
        count: i32,
        assignment: Option<&[Vec<BrokerId>]>,
        validate_only: bool,
    ) -> Result<(), TopicError> {
        let t = self
            .topics
            .get(topic)
            .ok_or_else(|| TopicError::Unknown(topic.to_owned()))?;
        let have = i32::try_from(t.partitions.len()).unwrap_or(i32::MAX);
        if count < have {
            return Err(TopicError::InvalidPartitions(
                topic.to_owned(),
                format!("the topic has {have} partitions, more than {count}"),
            ));
        }
        if count == have {
            return Err(TopicError::InvalidPartitions(
                topic.to_owned(),
                format!("the topic already has {have} partitions"),
            ));
        }
        if count > MAX_PARTITIONS {
            return Err(TopicError::InvalidPartitions(
                topic.to_owned(),
                format!("{count} is above {MAX_PARTITIONS}"),
            ));
        }
        let rf = t.partitions.first().map_or(1, |p| p.replicas.len());
        let added = usize::try_from(count - have).unwrap_or(0);
        self.room_for(topic, added)?;
        let replicas: Vec<Vec<BrokerId>> = match assignment {
            Some(a) => {
                if a.len() != added {
                    return Err(TopicError::InvalidReplicaAssignment(
                        topic.to_owned(),
                        "one replica list is needed per new partition",
                    ));
                }
                self.check_assignment(topic, a, rf)?;
                a.to_vec()
            }
            None => {
                let live = self.brokers.values().filter(|b| b.up).count();
                if rf > live {
                    return Err(TopicError::InvalidReplicationFactor(
                        topic.to_owned(),
                        format!("{rf} replicas cannot be placed on {live} live broker(s)"),
                    ));
                }
                let ids: Vec<BrokerId> = self.brokers.keys().copied().collect();
                (0..added)
                    .map(|p| {
                        let first = (usize::try_from(have).unwrap_or(0) + p) % ids.len();
                        (0..rf).map(|i| ids[(first + i) % ids.len()]).collect()
                    })
                    .collect()
            }
        };
        if validate_only {
            return Ok(());
        }
        let settings = TopicSettings::of(&self.config, &t.configs);
        let new: Vec<Partition> = (have..)
            .zip(replicas)
            .map(|(i, r)| self.new_partition(i, r, &settings))
            .collect();
        self.topics
            .get_mut(topic)
            .expect("checked above")
            .partitions
            .extend(new);
        Ok(())
    }

    /// Replaces the config overrides of `topic` with `configs` (checked first); the model's
    /// settings follow at once.
    pub fn set_topic_configs(
        &mut self,
        topic: &str,
        configs: BTreeMap<String, String>,
        validate_only: bool,
    ) -> Result<(), TopicError> {
        if !self.topics.contains_key(topic) {
            return Err(TopicError::Unknown(topic.to_owned()));
        }
        topic_config::validate_all(&configs)?;
        if validate_only {
            return Ok(());
        }
        let settings = TopicSettings::of(&self.config, &configs);
        let t = self.topics.get_mut(topic).expect("checked above");
        t.configs = configs;
        for p in &mut t.partitions {
            p.retention = settings.retention;
        }
        Ok(())
    }

    /// Changes a broker config Kafka changes at run time, for every broker (the mock's brokers
    /// share one configuration): `min.insync.replicas`, `message.max.bytes`,
    /// `log.retention.bytes`, `log.retention.ms`, `unclean.leader.election.enable`; `None`
    /// restores the static config (what the cluster was made with). Topics without overrides
    /// follow at once.
    pub fn set_broker_config(
        &mut self,
        name: &str,
        value: Option<&str>,
        validate_only: bool,
    ) -> Result<(), ConfigError> {
        let initial = &self.static_config;
        let mut next = self.config.clone();
        let bad = |reason| ConfigError::Invalid {
            name: name.to_owned(),
            value: value.unwrap_or_default().to_owned(),
            reason,
        };
        let long = |v: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| bad("expected an integer"))
        };
        let limit = |v: Option<&str>, default: Option<u64>| match v {
            None => Ok(default),
            Some(v) => super::config::parse_limit(long(v)?).map_err(|_| bad("below -1")),
        };
        match name {
            "min.insync.replicas" => {
                next.min_insync_replicas = match value {
                    None => initial.min_insync_replicas,
                    Some(v) => i32::try_from(long(v)?)
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| bad("expected at least 1"))?,
                };
            }
            "message.max.bytes" => {
                next.message_max_bytes = match value {
                    None => initial.message_max_bytes,
                    Some(v) => usize::try_from(long(v)?).map_err(|_| bad("below 0"))?,
                };
            }
            "log.retention.bytes" => {
                next.log_retention_bytes = limit(value, initial.log_retention_bytes)?
            }
            "log.retention.ms" => next.log_retention_ms = limit(value, initial.log_retention_ms)?,
            "unclean.leader.election.enable" => {
                next.unclean_leader_election = match value.map(|v| v.trim().to_ascii_lowercase()) {
                    None => initial.unclean_leader_election,
                    Some(v) if v == "true" => true,
                    Some(v) if v == "false" => false,
                    Some(_) => return Err(bad("expected true or false")),
                };
            }
            _ => return Err(ConfigError::Unknown(name.to_owned())),
        }
        if validate_only {
            return Ok(());
        }
        self.config = next;
        for t in self.topics.values_mut() {
            let settings = TopicSettings::of(&self.config, &t.configs);
            for p in &mut t.partitions {
                p.retention = settings.retention;
            }
        }
        Ok(())
    }

    /// The model's settings for `topic` (its overrides over the broker's).
    pub fn topic_settings(&self, topic: &str) -> TopicSettings {
        match self.topics.get(topic) {
            Some(t) => TopicSettings::of(&self.config, &t.configs),
            None => TopicSettings::of(&self.config, &BTreeMap::new()),
        }
    }

    /// Deletes the records of a partition below `offset` (-1: the high watermark) on its
    /// leader `broker`, as DeleteRecords does; returns the new log start offset (the low
    /// watermark). Followers adopt it as they replicate.
    pub fn delete_records(
        &mut self,
        broker: BrokerId,
        topic: &str,
        partition: i32,
        offset: i64,
    ) -> Result<i64, ErrorCode> {
        let p = self
            .partition_mut(topic, partition)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        if p.leader != Some(broker) {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        let hw = p.high_watermark;
        let offset = if offset == -1 { hw } else { offset };
        if offset < 0 || offset > hw {
            return Err(ErrorCode::OffsetOutOfRange);
        }
        let log = p.logs.get_mut(&broker).expect("the leader has a log");
        let deleted = log.advance_start_to(offset);
        let start = log.start_offset();
        p.deleted_records += u64::try_from(deleted).unwrap_or(0);
        Ok(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterConfig;
    use crate::test_util::batch;

    fn three() -> Cluster {
        Cluster::new(ClusterConfig::default(), 0).unwrap()
    }

    fn counts(name: &str, partitions: i32, rf: i16) -> NewTopic {
        NewTopic {
            name: name.into(),
            layout: Layout::Counts {
                partitions,
                replication_factor: rf,
            },
            configs: Vec::new(),
        }
    }

    fn assigned(name: &str, a: &[&[BrokerId]]) -> NewTopic {
        NewTopic {
            layout: Layout::Assigned((0..).zip(a.iter().map(|r| r.to_vec())).collect()),
            ..counts(name, -1, -1)
        }
    }

    fn code(r: Result<Created, TopicError>) -> ErrorCode {
        r.map_or_else(|e| e.error_code(), |_| ErrorCode::None)
    }

    #[test]
    fn topics_are_checked_as_kafka_checks_them() {
        let mut c = three();
        let made = c.create_topic_with(&counts("a", -1, -1), false).unwrap();
        assert_eq!(
            (made.partitions, made.replication_factor),
            (3, 3),
            "broker defaults"
        );
        assert!(!made.id.is_nil());
        assert_eq!(
            code(c.create_topic_with(&counts("a", 1, 1), false)),
            ErrorCode::TopicAlreadyExists
        );
        assert_eq!(
            code(c.create_topic_with(&counts("a_", 1, 1), false)),
            ErrorCode::None
        );
        assert_eq!(
            code(c.create_topic_with(&counts("a.", 1, 1), false)),
            ErrorCode::InvalidTopicException,
            "collides with a_"
        );
        assert_eq!(
            code(c.create_topic_with(&counts("b/c", 1, 1), false)),
            ErrorCode::InvalidTopicException
        );
        assert_eq!(
            code(c.create_topic_with(&counts("b", 0, 1), false)),
            ErrorCode::InvalidPartitions
        );
        assert_eq!(
            code(c.create_topic_with(&counts("b", MAX_PARTITIONS + 1, 1), false)),
            ErrorCode::InvalidPartitions
        );
        // 4 partitions so far; nine topics of 10,000 more leave room for 9,996.
        for i in 0..9 {
            let big = counts(&format!("big{i}"), MAX_PARTITIONS, 1);
            assert_eq!(code(c.create_topic_with(&big, false)), ErrorCode::None);
        }
        let mut last = |n| code(c.create_topic_with(&counts("big9", n, 1), true));
        assert_eq!(
            last(MAX_PARTITIONS),
            ErrorCode::InvalidPartitions,
            "the cluster-wide cap"
        );
        assert_eq!(last(MAX_PARTITIONS - 4), ErrorCode::None);
        for i in 0..9 {
            c.delete_topic(&format!("big{i}")).unwrap();
        }
        assert_eq!(
            code(c.create_topic_with(&counts("b", MAX_PARTITIONS + 1, 1), false)),
            ErrorCode::InvalidPartitions
        );
        assert_eq!(
            code(c.create_topic_with(&counts("b", 1, 4), false)),
            ErrorCode::InvalidReplicationFactor
        );
        assert_eq!(
            code(c.create_topic_with(&counts("b", 1, 0), false)),
            ErrorCode::InvalidReplicationFactor
        );
        c.broker_down(3);
        assert_eq!(
            code(c.create_topic_with(&counts("b", 1, 3), false)),
            ErrorCode::InvalidReplicationFactor,
            "only live brokers count"
        );
        c.broker_up(3);
        for bad in [&[&[1, 1][..]][..], &[&[1, 9]], &[&[1, 2], &[3]], &[&[]]] {
            assert_eq!(
                code(c.create_topic_with(&assigned("b", bad), false)),
                ErrorCode::InvalidReplicaAssignment,
                "{bad:?}"
            );
        }
        let gap = NewTopic {
            layout: Layout::Assigned(vec![(0, vec![1]), (2, vec![2])]),
            ..counts("b", -1, -1)
        };
        assert_eq!(
            code(c.create_topic_with(&gap, false)),
            ErrorCode::InvalidReplicaAssignment
        );
        let cfg = NewTopic {
            configs: vec![("retention.ms".into(), Some("soon".into()))],
            ..counts("b", 1, 1)
        };
        assert_eq!(
            code(c.create_topic_with(&cfg, false)),
            ErrorCode::InvalidConfig
        );
        // Validation only creates nothing.
        assert_eq!(
            code(c.create_topic_with(&counts("b", 2, 2), true)),
            ErrorCode::None
        );
        assert!(c.topic("b").is_none());
        let made = c
            .create_topic_with(&assigned("b", &[&[2, 3], &[3, 1]]), false)
            .unwrap();
        assert_eq!((made.partitions, made.replication_factor), (2, 2));
        let p = c.partition("b", 1).unwrap();
        assert_eq!((p.leader, p.replicas.clone()), (Some(3), vec![3, 1]));
    }

    #[test]
    fn a_deleted_topic_can_be_created_again_with_a_new_id() {
        let mut c = three();
        let first = c.create_topic_with(&counts("t", 1, 1), false).unwrap().id;
        assert_eq!(c.delete_topic("t"), Ok(first));
        assert!(c.topic("t").is_none());
        assert_eq!(c.topic_name(&first), None);
        assert_eq!(c.delete_topic("t"), Err(TopicError::Unknown("t".into())));
        let second = c.create_topic_with(&counts("t", 1, 1), false).unwrap().id;
        assert_ne!(first, second);
        assert_eq!(c.topic_name(&second), Some("t"));
        assert_eq!(
            c.find_group_coordinator("g"),
            Err(ErrorCode::CoordinatorNotAvailable),
            "creates __consumer_offsets"
        );
        assert!(
            c.delete_topic(super::super::OFFSETS_TOPIC).is_ok(),
            "as Kafka 4.3 does"
        );
        assert_eq!(
            c.find_group_coordinator("g"),
            Err(ErrorCode::CoordinatorNotAvailable),
            "created again"
        );
        assert!(c.find_group_coordinator("g").is_ok());
    }

    #[test]
    fn partitions_only_grow() {
        let mut c = three();
        c.create_topic_with(&counts("t", 2, 2), false).unwrap();
        let err = |r: Result<(), TopicError>| r.unwrap_err().error_code();
        assert_eq!(
            err(c.create_partitions("t", 1, None, false)),
            ErrorCode::InvalidPartitions
        );
        assert_eq!(
            err(c.create_partitions("t", 2, None, false)),
            ErrorCode::InvalidPartitions
        );
        assert_eq!(
            err(c.create_partitions("u", 3, None, false)),
            ErrorCode::UnknownTopicOrPartition
        );
        assert_eq!(
            err(c.create_partitions("t", 3, Some(&[vec![1]]), false)),
            ErrorCode::InvalidReplicaAssignment
        );
        assert_eq!(
            err(c.create_partitions("t", 4, Some(&[vec![1, 2]]), false)),
            ErrorCode::InvalidReplicaAssignment
        );
        c.create_partitions("t", 5, None, true).unwrap();
        assert_eq!(c.topic("t").unwrap().partitions.len(), 2);
        c.create_partitions("t", 4, Some(&[vec![3, 1], vec![2, 3]]), false)
            .unwrap();
        let t = c.topic("t").unwrap();
        assert_eq!(t.partitions.len(), 4);
        assert_eq!(t.partitions[3].replicas, vec![2, 3]);
        assert_eq!(t.partitions[3].index, 3);
    }

    #[test]
    fn configs_take_effect_on_the_model() {
        let mut c = three();
        let new = NewTopic {
            configs: vec![
                ("max.message.bytes".into(), Some("10".into())),
                ("min.insync.replicas".into(), Some("3".into())),
            ],
            ..counts("t", 1, 3)
        };
        c.create_topic_with(&new, false).unwrap();
        assert_eq!(
            c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 0),
            Err(ErrorCode::MessageTooLarge)
        );
        c.set_topic_configs(
            "t",
            BTreeMap::from([("min.insync.replicas".into(), "3".into())]),
            false,
        )
        .unwrap();
        c.set_isr("t", 0, vec![1]).unwrap();
        assert_eq!(
            c.append(1, "t", 0, &batch(1, -1, 0, 0), -1, 0),
            Err(ErrorCode::NotEnoughReplicas)
        );
        assert!(c.append(1, "t", 0, &batch(1, -1, 0, 0), 1, 0).is_ok());
        let bad = BTreeMap::from([("retention.bytes".into(), "x".into())]);
        assert_eq!(
            c.set_topic_configs("t", bad, false)
                .unwrap_err()
                .error_code(),
            ErrorCode::InvalidConfig
        );
        c.set_topic_configs(
            "t",
            BTreeMap::from([("retention.bytes".into(), "0".into())]),
            false,
        )
        .unwrap();
        assert_eq!(c.partition("t", 0).unwrap().retention.bytes, Some(0));
    }

    #[test]
    fn deleting_records_moves_the_log_start_up_to_the_high_watermark() {
        let mut c = three();
        c.create_topic_with(&counts("t", 1, 3), false).unwrap();
        for _ in 0..3 {
            c.append(1, "t", 0, &batch(2, -1, 0, 0), 1, 0).unwrap();
        }
        c.tick(1);
        assert_eq!(c.delete_records(1, "t", 0, 3), Ok(3));
        assert_eq!(c.delete_records(1, "t", 0, 1), Ok(3), "never backwards");
        assert_eq!(
            c.delete_records(1, "t", 0, 7),
            Err(ErrorCode::OffsetOutOfRange)
        );
        assert_eq!(
            c.delete_records(2, "t", 0, 1),
            Err(ErrorCode::NotLeaderOrFollower)
        );
        assert_eq!(
            c.delete_records(1, "t", 5, 1),
            Err(ErrorCode::UnknownTopicOrPartition)
        );
        assert_eq!(c.delete_records(1, "t", 0, -1), Ok(6));
        c.tick(2);
        let p = c.partition("t", 0).unwrap();
        assert!(
            p.logs.values().all(|l| l.start_offset() == 6),
            "followers follow"
        );
        assert_eq!(
            c.read(1, "t", 0, 2, 1 << 20, true),
            Err(ErrorCode::OffsetOutOfRange)
        );
    }
}
