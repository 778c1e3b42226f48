//! Topic configs: every config Kafka 4.3 lists for a topic, with its type, Kafka's default, the
//! broker setting it falls back to, and the values Kafka accepts. The one place that validates a
//! topic config and says where a topic's value comes from (DescribeConfigs' config source).
//!
//! Overrides are stored per topic as validated strings. The model honours `retention.ms`,
//! `retention.bytes`, `min.insync.replicas`, `max.message.bytes` and
//! `unclean.leader.election.enable` (see [`TopicSettings`]); every other config is stored and
//! described but changes nothing.

use std::collections::BTreeMap;

use crate::cluster::config::{ClusterConfig, Retention};

/// DescribeConfigs' config types (the `ConfigType` of KIP-569).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i8)]
pub enum ConfigType {
    /// `true` or `false`.
    Boolean = 1,
    /// Any string.
    String = 2,
    /// A 32-bit integer.
    Int = 3,
    /// A 16-bit integer.
    Short = 4,
    /// A 64-bit integer.
    Long = 5,
    /// A floating-point number.
    Double = 6,
    /// A comma-separated list.
    List = 7,
    /// A Java class name.
    Class = 8,
    /// A secret (its value is never shown).
    Password = 9,
}

/// Where a config's value comes from (DescribeConfigs' `ConfigSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i8)]
pub enum ConfigSource {
    /// Set on the topic.
    DynamicTopic = 1,
    /// Set for one broker at run time.
    DynamicBroker = 2,
    /// Set for every broker of the cluster at run time.
    DynamicDefaultBroker = 3,
    /// Set in the broker's configuration.
    StaticBroker = 4,
    /// Kafka's default.
    Default = 5,
}

impl ConfigType {
    /// The Java AdminClient's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::String => "STRING",
            ConfigType::Int => "INT",
            ConfigType::Short => "SHORT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::List => "LIST",
            ConfigType::Class => "CLASS",
            ConfigType::Password => "PASSWORD",
        }
    }

    /// The type of a [`name`](ConfigType::name), `None` for a name Kafka does not use.
    pub fn from_name(name: &str) -> Option<ConfigType> {
        use ConfigType::*;
        [
            Boolean, String, Int, Short, Long, Double, List, Class, Password,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

impl ConfigSource {
    /// The Java AdminClient's name of the source.
    pub fn name(self) -> &'static str {
        match self {
            ConfigSource::DynamicTopic => "DYNAMIC_TOPIC_CONFIG",
            ConfigSource::DynamicBroker => "DYNAMIC_BROKER_CONFIG",
            ConfigSource::DynamicDefaultBroker => "DYNAMIC_DEFAULT_BROKER_CONFIG",
            ConfigSource::StaticBroker => "STATIC_BROKER_CONFIG",
            ConfigSource::Default => "DEFAULT_CONFIG",
        }
    }
}

/// What values a config accepts beyond its type.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// Any value of the type.
    Any,
    /// A number at least this.
    AtLeast(i64),
    /// A number in this range.
    Between(f64, f64),
    /// One of these (case-insensitive, as Kafka's `ValidString` for these configs).
    OneOf(&'static [&'static str]),
    /// A list of these (each at most once).
    ListOf(&'static [&'static str]),
}

/// One topic config.
#[derive(Debug, Clone, Copy)]
struct Def {
    name: &'static str,
    kind: ConfigType,
    /// Kafka's default, `None` for null.
    default: Option<&'static str>,
    /// The broker setting a topic without an override takes, if any: its name and, when the
    /// broker's default differs in unit, the name listed as the default synonym.
    broker: Option<(&'static str, &'static str)>,
    check: Check,
    doc: &'static str,
}

const fn def(
    name: &'static str,
    kind: ConfigType,
    default: &'static str,
    broker: Option<(&'static str, &'static str)>,
    check: Check,
    doc: &'static str,
) -> Def {
    Def {
        name,
        kind,
        default: Some(default),
        broker,
        check,
        doc,
    }
}

use Check::{Any, AtLeast, Between, ListOf, OneOf};
use ConfigType::{Boolean, Double, Int, List, Long, Short, String as Str};

const COMPRESSION: &[&str] = &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

/// Kafka 4.3's topic configs, by name.
const DEFS: &[Def] = &[
    def(
        "cleanup.policy",
        List,
        "delete",
        Some(("log.cleanup.policy", "log.cleanup.policy")),
        ListOf(&["delete", "compact"]),
        "What happens to old segments: delete, compact, or both.",
    ),
    def(
        "compression.gzip.level",
        Int,
        "-1",
        Some(("compression.gzip.level", "compression.gzip.level")),
        Between(-1.0, 9.0),
        "The gzip level when compression.type is gzip.",
    ),
    def(
        "compression.lz4.level",
        Int,
        "9",
        Some(("compression.lz4.level", "compression.lz4.level")),
        Between(1.0, 17.0),
        "The lz4 level when compression.type is lz4.",
    ),
    def(
        "compression.type",
        Str,
        "producer",
        Some(("compression.type", "compression.type")),
        OneOf(COMPRESSION),
        "The codec batches are stored with; producer keeps the producer's.",
    ),
    def(
        "compression.zstd.level",
        Int,
        "3",
        Some(("compression.zstd.level", "compression.zstd.level")),
        Between(-131_072.0, 22.0),
        "The zstd level when compression.type is zstd.",
    ),
    def(
        "delete.retention.ms",
        Long,
        "86400000",
        Some((
            "log.cleaner.delete.retention.ms",
            "log.cleaner.delete.retention.ms",
        )),
        AtLeast(0),
        "How long tombstones stay on a compacted topic.",
    ),
    def(
        "file.delete.delay.ms",
        Long,
        "60000",
        Some(("log.segment.delete.delay.ms", "log.segment.delete.delay.ms")),
        AtLeast(0),
        "How long a deleted segment waits before its file goes.",
    ),
    def(
        "flush.messages",
        Long,
        "9223372036854775807",
        Some(("log.flush.interval.messages", "log.flush.interval.messages")),
        AtLeast(1),
        "Records between forced flushes.",
    ),
    def(
        "flush.ms",
        Long,
        "9223372036854775807",
        None,
        AtLeast(0),
        "Milliseconds between forced flushes.",
    ),
    def(
        "follower.replication.throttled.replicas",
        List,
        "",
        None,
        Any,
        "Replicas throttled on the follower side.",
    ),
    def(
        "index.interval.bytes",
        Int,
        "4096",
        Some(("log.index.interval.bytes", "log.index.interval.bytes")),
        AtLeast(0),
        "Bytes between offset index entries.",
    ),
    def(
        "leader.replication.throttled.replicas",
        List,
        "",
        None,
        Any,
        "Replicas throttled on the leader side.",
    ),
    def(
        "local.retention.bytes",
        Long,
        "-2",
        Some(("log.local.retention.bytes", "log.local.retention.bytes")),
        AtLeast(-2),
        "Local retention by size with tiered storage.",
    ),
    def(
        "local.retention.ms",
        Long,
        "-2",
        Some(("log.local.retention.ms", "log.local.retention.ms")),
        AtLeast(-2),
        "Local retention by time with tiered storage.",
    ),
    def(
        "max.compaction.lag.ms",
        Long,
        "9223372036854775807",
        Some((
            "log.cleaner.max.compaction.lag.ms",
            "log.cleaner.max.compaction.lag.ms",
        )),
        AtLeast(1),
        "Longest a record stays uncompacted.",
    ),
    def(
        "max.message.bytes",
        Int,
        "1048588",
        Some(("message.max.bytes", "message.max.bytes")),
        AtLeast(0),
        "The largest record batch the topic accepts (MESSAGE_TOO_LARGE above).",
    ),
    def(
        "message.timestamp.after.max.ms",
        Long,
        "3600000",
        Some((
            "log.message.timestamp.after.max.ms",
            "log.message.timestamp.after.max.ms",
        )),
        AtLeast(0),
        "How far in the future a CreateTime timestamp may be.",
    ),
    def(
        "message.timestamp.before.max.ms",
        Long,
        "9223372036854775807",
        Some((
            "log.message.timestamp.before.max.ms",
            "log.message.timestamp.before.max.ms",
        )),
        AtLeast(0),
        "How far in the past a CreateTime timestamp may be.",
    ),
    def(
        "message.timestamp.type",
        Str,
        "CreateTime",
        Some(("log.message.timestamp.type", "log.message.timestamp.type")),
        OneOf(&["CreateTime", "LogAppendTime"]),
        "Whether record timestamps are the producer's or the append time.",
    ),
    def(
        "min.cleanable.dirty.ratio",
        Double,
        "0.5",
        Some((
            "log.cleaner.min.cleanable.ratio",
            "log.cleaner.min.cleanable.ratio",
        )),
        Between(0.0, 1.0),
        "Dirty share of the log that triggers compaction.",
    ),
    def(
        "min.compaction.lag.ms",
        Long,
        "0",
        Some((
            "log.cleaner.min.compaction.lag.ms",
            "log.cleaner.min.compaction.lag.ms",
        )),
        AtLeast(0),
        "Shortest a record stays uncompacted.",
    ),
    def(
        "min.insync.replicas",
        Int,
        "1",
        Some(("min.insync.replicas", "min.insync.replicas")),
        AtLeast(1),
        "In-sync replicas an acks=all write needs (NOT_ENOUGH_REPLICAS below).",
    ),
    def(
        "preallocate",
        Boolean,
        "false",
        Some(("log.preallocate", "log.preallocate")),
        Any,
        "Whether segment files are preallocated.",
    ),
    def(
        "remote.log.copy.disable",
        Boolean,
        "false",
        None,
        Any,
        "Stops copying segments to tiered storage.",
    ),
    def(
        "remote.log.delete.on.disable",
        Boolean,
        "false",
        None,
        Any,
        "Deletes tiered segments when tiered storage is turned off.",
    ),
    def(
        "remote.storage.enable",
        Boolean,
        "false",
        None,
        Any,
        "Tiered storage for the topic.",
    ),
    def(
        "retention.bytes",
        Long,
        "-1",
        Some(("log.retention.bytes", "log.retention.bytes")),
        Any,
        "Size a partition is trimmed back towards by deleting its oldest batches; -1 unlimited.",
    ),
    def(
        "retention.ms",
        Long,
        "604800000",
        Some(("log.retention.ms", "log.retention.hours")),
        AtLeast(-1),
        "Age after which batches are deleted; -1 unlimited.",
    ),
    def(
        "segment.bytes",
        Int,
        "1073741824",
        Some(("log.segment.bytes", "log.segment.bytes")),
        AtLeast(1_048_576),
        "Segment file size.",
    ),
    def(
        "segment.index.bytes",
        Int,
        "10485760",
        Some(("log.index.size.max.bytes", "log.index.size.max.bytes")),
        AtLeast(4),
        "Offset index size per segment.",
    ),
    def(
        "segment.jitter.ms",
        Long,
        "0",
        None,
        AtLeast(0),
        "Random jitter subtracted from segment.ms.",
    ),
    def(
        "segment.ms",
        Long,
        "604800000",
        None,
        AtLeast(1),
        "Time after which a segment is rolled.",
    ),
    def(
        "unclean.leader.election.enable",
        Boolean,
        "false",
        Some((
            "unclean.leader.election.enable",
            "unclean.leader.election.enable",
        )),
        Any,
        "Whether a replica out of the ISR may become leader, losing records.",
    ),
];

fn find(name: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.name == name)
}

/// Why a topic config is refused (INVALID_CONFIG).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No topic config has this name.
    #[error("unknown topic config name: {0}")]
    Unknown(String),
    /// The value does not fit the config.
    #[error("invalid value {value:?} for configuration {name}: {reason}")]
    Invalid {
        /// The config.
        name: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A null value where a value is needed.
    #[error("null value not supported for topic configs: {0}")]
    Null(String),
}

/// Whether `name` is a topic config, and if so whether it is a list (which APPEND and
/// SUBTRACT of IncrementalAlterConfigs apply to).
pub fn is_list(name: &str) -> Option<bool> {
    find(name).map(|d| d.kind == List)
}

/// Checks `value` for the topic config `name` and returns it as stored (booleans and
/// one-of values in Kafka's spelling, lists without blanks around items).
pub fn validate(name: &str, value: Option<&str>) -> Result<String, ConfigError> {
    let d = find(name).ok_or_else(|| ConfigError::Unknown(name.to_owned()))?;
    let value = value.ok_or_else(|| ConfigError::Null(name.to_owned()))?;
    let bad = |reason| ConfigError::Invalid {
        name: name.to_owned(),
        value: value.to_owned(),
        reason,
    };
    let trimmed = value.trim();
    let number = match d.kind {
        Int => Some(
            trimmed
                .parse::<i32>()
                .map(f64::from)
                .map_err(|_| bad("expected a 32-bit integer"))?,
        ),
        Short => Some(
            trimmed
                .parse::<i16>()
                .map(f64::from)
                .map_err(|_| bad("expected a 16-bit integer"))?,
        ),
        Long => Some(
            trimmed
                .parse::<i64>()
                .map(|v| v as f64)
                .map_err(|_| bad("expected a 64-bit integer"))?,
        ),
        Double => Some(
            trimmed
                .parse::<f64>()
                .map_err(|_| bad("expected a number"))?,
        ),
        Boolean => {
            return match trimmed.to_ascii_lowercase().as_str() {
                "true" => Ok("true".into()),
                "false" => Ok("false".into()),
                _ => Err(bad("expected true or false")),
            };
        }
        Str | List | ConfigType::Class | ConfigType::Password => None,
    };
    match (d.check, number) {
        (AtLeast(min), Some(n)) if n < min as f64 => Err(bad("below the minimum")),
        (Between(lo, hi), Some(n)) if n < lo || n > hi => Err(bad("out of range")),
        (Any | AtLeast(_) | Between(..), Some(_)) => Ok(trimmed.to_owned()),
        (OneOf(allowed), _) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(trimmed))
            .map(|a| (*a).to_owned())
            .ok_or_else(|| bad("not one of the allowed values")),
        (ListOf(allowed), _) => {
            let items: Vec<&str> = trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let known = items.iter().all(|i| allowed.contains(i));
            let unique = items
                .iter()
                .enumerate()
                .all(|(n, i)| !items[..n].contains(i));
            if known && unique {
                Ok(items.join(","))
            } else {
                Err(bad("not a list of the allowed values"))
            }
        }
        (_, _) => Ok(if d.kind == List {
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        } else {
            value.to_owned()
        }),
    }
}

/// Checks every override of a new or altered topic: the first refused one.
pub fn validate_all(configs: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    configs
        .iter()
        .try_for_each(|(k, v)| validate(k, Some(v)).map(|_| ()))
}

/// One config as DescribeConfigs and CreateTopics v5+ list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// The config.
    pub name: &'static str,
    /// Its value for the topic.
    pub value: Option<String>,
    /// Where the value comes from.
    pub source: ConfigSource,
    /// Its type.
    pub kind: ConfigType,
    /// Where else the value could come from, most specific first (DescribeConfigs'
    /// synonyms): the override, the broker setting, Kafka's default.
    pub synonyms: Vec<(&'static str, Option<String>, ConfigSource)>,
    /// A sentence on what it does.
    pub doc: &'static str,
}

/// The broker-level value a topic without an override takes, as (name, value, source), from
/// the mock's configuration; `None` where the mock has no such setting (Kafka's default holds).
///
/// A broker setting equal to Kafka's default is reported as the default, as it is on a Kafka
/// broker that does not set it. `min.insync.replicas` is the exception: Kafka 4's controller
/// records the broker's value as a cluster-wide dynamic default at start-up, so that is its
/// source there.
fn broker_value(cluster: &ClusterConfig, d: &Def) -> Option<(&'static str, String, ConfigSource)> {
    let (name, _) = d.broker?;
    let limit = |v: Option<u64>| v.map_or_else(|| "-1".to_owned(), |v| v.to_string());
    let value = match d.name {
        "retention.ms" => limit(cluster.log_retention_ms),
        "retention.bytes" => limit(cluster.log_retention_bytes),
        "max.message.bytes" => cluster.message_max_bytes.to_string(),
        "unclean.leader.election.enable" => cluster.unclean_leader_election.to_string(),
        "min.insync.replicas" => {
            return Some((
                name,
                cluster.min_insync_replicas.to_string(),
                ConfigSource::DynamicDefaultBroker,
            ));
        }
        _ => return None,
    };
    (Some(value.as_str()) != d.default).then_some((name, value, ConfigSource::StaticBroker))
}

/// Every topic config (or those in `keys`) of a topic with `overrides` on a cluster configured
/// by `cluster`, in name order. Unknown keys are left out, as Kafka leaves them out.
pub fn describe(
    cluster: &ClusterConfig,
    overrides: &BTreeMap<String, String>,
    keys: Option<&[String]>,
) -> Vec<Described> {
    DEFS.iter()
        .filter(|d| keys.is_none_or(|k| k.iter().any(|k| k == d.name)))
        .map(|d| {
            let mut synonyms = Vec::new();
            if let Some(v) = overrides.get(d.name) {
                synonyms.push((d.name, Some(v.clone()), ConfigSource::DynamicTopic));
            }
            if let Some((name, value, source)) = broker_value(cluster, d) {
                synonyms.push((name, Some(value), source));
            }
            // Kafka lists the default of the first broker synonym only, when it has one:
            // retention.ms gets none (log.retention.ms defaults to null; the 168 hours of
            // log.retention.hours are not listed).
            if let Some((name, default_name)) = d.broker
                && name == default_name
            {
                synonyms.push((name, d.default.map(str::to_owned), ConfigSource::Default));
            }
            // The value is in the topic config's unit (retention.ms, not hours).
            let (value, source) = match synonyms.first() {
                Some((_, v, s)) if *s != ConfigSource::Default => (v.clone(), *s),
                _ => (d.default.map(str::to_owned), ConfigSource::Default),
            };
            Described {
                name: d.name,
                value,
                source,
                kind: d.kind,
                synonyms,
                doc: d.doc,
            }
        })
        .collect()
}

/// What the model does differently for a topic because of its configs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicSettings {
    /// `retention.ms` and `retention.bytes`.
    pub retention: Retention,
    /// `min.insync.replicas`.
    pub min_insync_replicas: i32,
    /// `max.message.bytes`.
    pub max_message_bytes: usize,
    /// `unclean.leader.election.enable`.
    pub unclean_leader_election: bool,
}

impl TopicSettings {
    /// The settings of a topic with `overrides` on a cluster configured by `cluster`.
    pub fn of(cluster: &ClusterConfig, overrides: &BTreeMap<String, String>) -> TopicSettings {
        let long = |name: &str| overrides.get(name).and_then(|v| v.parse::<i64>().ok());
        let limit = |name: &str, broker: Option<u64>| match long(name) {
            Some(v) => u64::try_from(v).ok(),
            None => broker,
        };
        TopicSettings {
            retention: Retention {
                bytes: limit("retention.bytes", cluster.log_retention_bytes),
                ms: limit("retention.ms", cluster.log_retention_ms),
            },
            min_insync_replicas: long("min.insync.replicas")
                .and_then(|v| i32::try_from(v).ok())
                .unwrap_or(cluster.min_insync_replicas),
            max_message_bytes: long("max.message.bytes")
                .and_then(|v| usize::try_from(v).ok())
                .unwrap_or(cluster.message_max_bytes),
            unclean_leader_election: overrides
                .get("unclean.leader.election.enable")
                .map_or(cluster.unclean_leader_election, |v| v == "true"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn values_are_checked_by_type_and_range() {
        assert_eq!(
            validate("retention.ms", Some("3600000")).unwrap(),
            "3600000"
        );
        assert_eq!(validate("retention.ms", Some("-1")).unwrap(), "-1");
        assert!(matches!(
            validate("retention.ms", Some("soon")),
            Err(ConfigError::Invalid { .. })
        ));
        assert!(validate("retention.ms", Some("-2")).is_err());
        assert!(matches!(
            validate("no.such.config", Some("1")),
            Err(ConfigError::Unknown(_))
        ));
        assert!(matches!(
            validate("retention.ms", None),
            Err(ConfigError::Null(_))
        ));
        assert_eq!(validate("preallocate", Some("TRUE")).unwrap(), "true");
        assert!(validate("min.insync.replicas", Some("0")).is_err());
        assert!(validate("max.message.bytes", Some("3000000000")).is_err());
        assert_eq!(
            validate("message.timestamp.type", Some("logappendtime")).unwrap(),
            "LogAppendTime"
        );
        assert_eq!(
            validate("cleanup.policy", Some("compact, delete")).unwrap(),
            "compact,delete"
        );
        assert!(validate("cleanup.policy", Some("delete,delete")).is_err());
        assert!(validate("min.cleanable.dirty.ratio", Some("1.5")).is_err());
        assert!(validate_all(&map(&[("retention.ms", "1"), ("segment.bytes", "10")])).is_err());
    }

    #[test]
    fn described_values_say_where_they_come_from() {
        let cluster = ClusterConfig {
            log_retention_ms: Some(604_800_000),
            min_insync_replicas: 2,
            ..ClusterConfig::default()
        };
        let all = describe(&cluster, &map(&[("retention.ms", "1000")]), None);
        assert_eq!(all.len(), DEFS.len());
        assert!(all.windows(2).all(|w| w[0].name < w[1].name), "by name");
        let get = |n: &str| all.iter().find(|d| d.name == n).unwrap().clone();
        let r = get("retention.ms");
        assert_eq!(
            (r.value.as_deref(), r.source),
            (Some("1000"), ConfigSource::DynamicTopic)
        );
        assert_eq!(
            r.synonyms,
            vec![(
                "retention.ms",
                Some("1000".into()),
                ConfigSource::DynamicTopic
            ),],
            "Kafka lists no default for retention.ms: log.retention.ms has none"
        );
        let m = get("min.insync.replicas");
        assert_eq!(
            (m.value.as_deref(), m.source),
            (Some("2"), ConfigSource::DynamicDefaultBroker)
        );
        let b = get("retention.bytes");
        let r = &describe(&cluster, &BTreeMap::new(), None)
            .into_iter()
            .find(|d| d.name == "retention.ms")
            .unwrap();
        assert_eq!(
            (r.value.as_deref(), r.source),
            (Some("604800000"), ConfigSource::Default)
        );
        assert_eq!(
            (b.value.as_deref(), b.source),
            (Some("-1"), ConfigSource::Default)
        );
        // The mock's own default, unlimited time retention, is a broker setting.
        let r = &describe(
            &ClusterConfig::default(),
            &BTreeMap::new(),
            Some(&["retention.ms".to_owned(), "nope".to_owned()]),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].value.as_deref(), r[0].source),
            (Some("-1"), ConfigSource::StaticBroker)
        );
    }

    #[test]
    fn settings_follow_overrides_then_the_broker() {
        let cluster = ClusterConfig::default();
        let s = TopicSettings::of(&cluster, &BTreeMap::new());
        assert_eq!(s.retention, cluster.retention());
        assert_eq!(s.max_message_bytes, cluster.message_max_bytes);
        let s = TopicSettings::of(
            &cluster,
            &map(&[
                ("retention.ms", "1000"),
                ("retention.bytes", "-1"),
                ("min.insync.replicas", "2"),
                ("max.message.bytes", "100"),
                ("unclean.leader.election.enable", "true"),
            ]),
        );
        assert_eq!(
            s,
            TopicSettings {
                retention: Retention {
                    bytes: None,
                    ms: Some(1000)
                },
                min_insync_replicas: 2,
                max_message_bytes: 100,
                unclean_leader_election: true,
            }
        );
    }
}
