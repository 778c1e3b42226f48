//! Cluster configuration, with Kafka's names where Kafka has one.

use serde::{Deserialize, Serialize};

use crate::group::GroupConfig;
use crate::security::SecurityConfig;

/// How far behind the leader a follower runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowerLag {
    /// Copies each batch this many milliseconds after the leader appended it.
    Millis(u64),
    /// Fetches nothing until the lag is changed.
    Stalled,
}

impl Default for FollowerLag {
    fn default() -> Self {
        FollowerLag::Millis(0)
    }
}

/// A topic to create at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSpec {
    /// Topic name.
    pub name: String,
    /// Number of partitions.
    pub partitions: i32,
    /// Replication factor (at most the number of brokers).
    pub replication_factor: i16,
}

impl TopicSpec {
    /// Parses `name:partitions:replication` (the last two optional).
    pub fn parse(s: &str, default_partitions: i32, default_rf: i16) -> Result<Self, String> {
        let mut it = s.split(':');
        let name = it
            .next()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("empty topic in {s:?}"))?;
        let partitions = match it.next() {
            Some(p) => p
                .parse()
                .map_err(|_| format!("bad partition count in {s:?}"))?,
            None => default_partitions,
        };
        let replication_factor = match it.next() {
            Some(r) => r
                .parse()
                .map_err(|_| format!("bad replication factor in {s:?}"))?,
            None => default_rf,
        };
        if it.next().is_some() || partitions < 1 || replication_factor < 1 {
            return Err(format!(
                "expected name:partitions:replication with positive numbers, got {s:?}"
            ));
        }
        Ok(TopicSpec {
            name: name.to_owned(),
            partitions,
            replication_factor,
        })
    }
}

/// Everything that shapes a mock cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Number of brokers (ids 1..=n).
    pub brokers: i32,
    /// Host the brokers advertise and listen on.
    pub host: String,
    /// Port of the first broker; the others follow it. 0: free ports from the OS.
    pub port: u16,
    /// The cluster id reported in Metadata.
    pub cluster_id: String,
    /// Topics created at start-up.
    pub topics: Vec<TopicSpec>,
    /// `auto.create.topics.enable`.
    pub auto_create_topics: bool,
    /// `num.partitions` for auto-created topics.
    pub num_partitions: i32,
    /// `default.replication.factor` for auto-created topics (capped at the broker count).
    pub default_replication_factor: i16,
    /// `min.insync.replicas`.
    pub min_insync_replicas: i32,
    /// `replica.lag.time.max.ms`.
    pub replica_lag_time_max_ms: u64,
    /// How far behind their leaders followers run, unless overridden per broker or partition.
    pub follower_lag: FollowerLag,
    /// `unclean.leader.election.enable`.
    pub unclean_leader_election: bool,
    /// `message.max.bytes`: the largest record batch accepted.
    pub message_max_bytes: usize,
    /// `socket.request.max.bytes`: the largest request frame accepted.
    pub socket_request_max_bytes: usize,
    /// Idempotent-producer deduplication (on, as in Kafka; off only to test checkers).
    pub dedup: bool,
    /// Most client connections open at once over all brokers; more are closed on accept.
    pub max_connections: usize,
    /// `connections.max.idle.ms`: a connection with no request for this long is closed.
    pub connections_max_idle_ms: u64,
    /// Broker racks (`broker.rack`): broker `i` gets `racks[(i - 1) % len]`; empty: none. With
    /// racks, a consumer that names its rack (`client.rack`) is sent to a replica in it
    /// (KIP-392's rack-aware replica selector).
    pub racks: Vec<String>,
    /// Address of the HTTP/JSON control endpoint, if any (e.g. `127.0.0.1:0`).
    pub control_addr: Option<String>,
    /// `log.retention.bytes`: per partition, the size a leader's log is trimmed back towards by
    /// deleting its oldest batches. `None` (or `-1` in a config file): unlimited, the default,
    /// as in Kafka. See [`Retention`].
    #[serde(with = "unlimited")]
    pub log_retention_bytes: Option<u64>,
    /// `log.retention.ms`: batches older than this are deleted. `None` (or `-1` in a config
    /// file): unlimited — the mock's default, where Kafka's is 7 days, so that a test never
    /// loses records to a clock it does not control. See [`Retention`].
    #[serde(with = "unlimited")]
    pub log_retention_ms: Option<u64>,
    /// `offsets.topic.num.partitions`: partitions of the internal topic `__consumer_offsets`,
    /// made on the first FindCoordinator for a group. A group's coordinator is the leader of
    /// its partition (see [`crate::group::offsets_partition_for`]).
    pub offsets_topic_num_partitions: i32,
    /// `offsets.topic.replication.factor` of `__consumer_offsets`, capped at the broker count.
    pub offsets_topic_replication_factor: i16,
    /// The group coordinator's settings (Kafka's `group.*` and `offsets.*` broker configs).
    pub groups: GroupConfig,
    /// How the listeners are secured (`security.protocol`, SASL users, TLS); PLAINTEXT by
    /// default.
    pub security: SecurityConfig,
}

impl ClusterConfig {
    /// The retention limits every partition gets.
    pub fn retention(&self) -> Retention {
        Retention {
            bytes: self.log_retention_bytes,
            ms: self.log_retention_ms,
        }
    }
}

/// Retention limits of one partition (Kafka's `log.retention.bytes` and `log.retention.ms`),
/// both off by default.
///
/// The leader deletes whole **batches** from the head of its log (Kafka deletes whole
/// segments; a batch is the mock's segment), and only batches entirely below the high
/// watermark, as Kafka never deletes what is not yet committed:
///
/// * size: the oldest batch goes while the log would still hold at least `bytes` without it
///   (Kafka's rule for segments), so a log stays between `bytes` and `bytes` plus one batch,
///   plus whatever is above the high watermark;
/// * time: the oldest batch goes once more than `ms` have passed since the leader appended it.
///   Kafka compares the segment's largest record timestamp; the mock uses the append time (as
///   Kafka does with `message.timestamp.type=LogAppendTime`), because client timestamps are
///   wall-clock time while the model's clock counts from start-up. Applied on
///   [`crate::cluster::Cluster::tick`].
///
/// The log start offset moves past the deleted batches; followers adopt the leader's log start
/// and delete the same batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// `retention.bytes`, `None`: unlimited.
    pub bytes: Option<u64>,
    /// `retention.ms`, `None`: unlimited.
    pub ms: Option<u64>,
}

impl Retention {
    /// Whether any limit is set.
    pub fn is_limited(&self) -> bool {
        self.bytes.is_some() || self.ms.is_some()
    }
}

/// A limit below -1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected -1 (unlimited) or a non-negative number, got {0}")]
pub struct InvalidLimit(pub i64);

/// Parses Kafka's `-1 = unlimited` convention: `-1` is unlimited (`None`), other negative
/// numbers are refused.
pub fn parse_limit(value: i64) -> Result<Option<u64>, InvalidLimit> {
    match value {
        -1 => Ok(None),
        v => u64::try_from(v).map(Some).map_err(|_| InvalidLimit(v)),
    }
}

/// Serde for an optional limit: `null` or `-1` mean unlimited, written back as `null`.
mod unlimited {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_u64(*n),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<i64>::deserialize(d)? {
            None => Ok(None),
            Some(v) => super::parse_limit(v).map_err(serde::de::Error::custom),
        }
    }
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            brokers: 3,
            host: "127.0.0.1".into(),
            port: 0,
            cluster_id: "kwire-mock-cluster".into(),
            topics: Vec::new(),
            auto_create_topics: true,
            num_partitions: 3,
            default_replication_factor: 3,
            min_insync_replicas: 1,
            replica_lag_time_max_ms: 30_000,
            follower_lag: FollowerLag::Millis(0),
            unclean_leader_election: false,
            message_max_bytes: 1_048_588,
            socket_request_max_bytes: 104_857_600,
            dedup: true,
            max_connections: 10_000,
            connections_max_idle_ms: 600_000,
            racks: Vec::new(),
            control_addr: None,
            log_retention_bytes: None,
            log_retention_ms: None,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            groups: GroupConfig::default(),
            security: SecurityConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_specs_parse() {
        assert_eq!(
            TopicSpec::parse("t:6:2", 3, 3).unwrap(),
            TopicSpec {
                name: "t".into(),
                partitions: 6,
                replication_factor: 2
            }
        );
        assert_eq!(TopicSpec::parse("t", 3, 1).unwrap().partitions, 3);
        assert!(TopicSpec::parse("t:0", 3, 1).is_err());
        assert!(TopicSpec::parse(":1:1", 3, 1).is_err());
        assert!(TopicSpec::parse("t:1:1:1", 3, 1).is_err());
    }

    #[test]
    fn retention_is_off_by_default_and_minus_one_means_unlimited() {
        let d = ClusterConfig::default();
        assert_eq!(d.retention(), Retention::default());
        assert!(!d.retention().is_limited());
        let c: ClusterConfig =
            serde_json::from_str(r#"{"log_retention_bytes": 1000, "log_retention_ms": -1}"#)
                .unwrap();
        assert_eq!(c.log_retention_bytes, Some(1000));
        assert_eq!(c.log_retention_ms, None);
        let c: ClusterConfig = serde_json::from_str(r#"{"log_retention_ms": null}"#).unwrap();
        assert_eq!(c.log_retention_ms, None);
        let err = serde_json::from_str::<ClusterConfig>(r#"{"log_retention_ms": -2}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unlimited"), "{err}");
        // Round trip: unlimited is written as null.
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""log_retention_bytes":null"#), "{text}");
        assert_eq!(serde_json::from_str::<ClusterConfig>(&text).unwrap(), c);
        assert_eq!(parse_limit(-1), Ok(None));
        assert_eq!(parse_limit(0), Ok(Some(0)));
        assert_eq!(parse_limit(-5), Err(InvalidLimit(-5)));
    }
}
