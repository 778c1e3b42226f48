//! Broker configs as DescribeConfigs lists them for a BROKER resource: every config a Kafka
//! 4.3.1 broker lists, with Kafka's types, defaults, read-only and sensitive flags, from one
//! table (`mock-broker/data/kafka-broker-configs.jsonl`, generated from a real broker by
//! `mock-broker/data/generate-broker-configs.sh`). The configs the mock has (its
//! `ClusterConfig` and `GroupConfig`) take their values from there; every other config has
//! Kafka's default, as on a broker that does not set it, and changes nothing in the mock.
//!
//! Configs changed at run time ([`DynamicConfigs`]) are described as Kafka describes them, per
//! broker (DYNAMIC_BROKER_CONFIG) and cluster-wide (DYNAMIC_DEFAULT_BROKER_CONFIG), over the
//! static config and Kafka's default, whether or not the mock acts on them.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::config::ClusterConfig;
use super::topic_config::{ConfigSource, ConfigType, Described};

/// The table, as `generate-broker-configs.sh` writes it.
const TABLE: &str = include_str!("../../data/kafka-broker-configs.jsonl");

/// One row of the table: a broker config as Kafka describes it on a broker that does not set it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    read_only: bool,
    sensitive: bool,
    /// Kafka's default (its DEFAULT_CONFIG synonym); `None` for a config without one.
    default: Option<String>,
}

/// A broker config of the table, parsed.
#[derive(Debug)]
struct Kafka {
    name: &'static str,
    kind: ConfigType,
    read_only: bool,
    sensitive: bool,
    default: Option<&'static str>,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The table, by name (it is written sorted; a unit test holds it to that). Parsed once, on
/// first use; the strings live as long as the process, like the table they come from.
static CONFIGS: LazyLock<Vec<Kafka>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let row: Row = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("kafka-broker-configs.jsonl: {e}: {l}"));
            Kafka {
                kind: ConfigType::from_name(&row.kind)
                    .unwrap_or_else(|| panic!("kafka-broker-configs.jsonl: type {}", row.kind)),
                name: leak(row.name),
                read_only: row.read_only,
                sensitive: row.sensitive,
                default: row.default.map(leak),
            }
        })
        .collect()
});

/// A broker config the mock has: its name, its value on `cluster` for broker `id` (`None`:
/// not set, Kafka's default holds) and a sentence on what it does in the mock.
type Modelled = (
    &'static str,
    fn(&ClusterConfig, i32) -> Option<String>,
    &'static str,
);

fn some(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

/// A count the mock may leave unbounded (`usize::MAX`): Kafka's unbounded is `i32::MAX`.
fn int(v: usize) -> Option<String> {
    some(i32::try_from(v).unwrap_or(i32::MAX))
}

/// Kafka's default time retention: `log.retention.ms` unset, `log.retention.hours` = 168.
const WEEK_MS: u64 = 604_800_000;

const MODELLED: &[Modelled] = &[
    (
        "auto.create.topics.enable",
        |c, _| some(c.auto_create_topics),
        "Whether Metadata creates unknown topics.",
    ),
    ("broker.id", |_, id| some(id), "The broker's id."),
    (
        "broker.rack",
        |c, id| {
            (!c.racks.is_empty())
                .then(|| c.racks[usize::try_from(id - 1).unwrap_or(0) % c.racks.len()].clone())
        },
        "The broker's rack.",
    ),
    (
        "connections.max.idle.ms",
        |c, _| some(c.connections_max_idle_ms),
        "Idle connections close after this long.",
    ),
    (
        "default.replication.factor",
        |c, _| some(c.default_replication_factor),
        "Replicas of a topic created without a replication factor.",
    ),
    (
        "group.consumer.assignors",
        |c, _| some(c.groups.consumer_assignors.join(",")),
        "Server-side assignors of consumer groups; the first is the default.",
    ),
    (
        "group.consumer.heartbeat.interval.ms",
        |c, _| some(c.groups.consumer_heartbeat_interval_ms),
        "Heartbeat interval of consumer group members.",
    ),
    (
        "group.consumer.max.size",
        |c, _| int(c.groups.consumer_max_size),
        "Most members of a consumer group.",
    ),
    (
        "group.consumer.min.session.timeout.ms",
        |c, _| some(c.groups.consumer_min_session_timeout_ms),
        "Lowest session timeout of consumer group members.",
    ),
    (
        "group.consumer.session.timeout.ms",
        |c, _| some(c.groups.consumer_session_timeout_ms),
        "Session timeout of consumer group members.",
    ),
    (
        "group.initial.rebalance.delay.ms",
        |c, _| some(c.groups.initial_rebalance_delay_ms),
        "How long the first rebalance of an empty classic group waits for more members.",
    ),
    (
        "group.max.session.timeout.ms",
        |c, _| some(c.groups.max_session_timeout_ms),
        "Highest session timeout a JoinGroup may ask for.",
    ),
    (
        "group.max.size",
        |c, _| int(c.groups.max_size),
        "Most members of a classic group.",
    ),
    (
        "group.min.session.timeout.ms",
        |c, _| some(c.groups.min_session_timeout_ms),
        "Lowest session timeout a JoinGroup may ask for.",
    ),
    (
        "log.retention.bytes",
        |c, _| {
            some(
                c.log_retention_bytes
                    .map_or(-1, |v| i64::try_from(v).unwrap_or(i64::MAX)),
            )
        },
        "Default retention.bytes of topics.",
    ),
    (
        "log.retention.ms",
        // Unset is Kafka's week (log.retention.hours); the mock's unlimited is Kafka's -1.
        |c, _| match c.log_retention_ms {
            Some(WEEK_MS) => None,
            Some(v) => some(v),
            None => some(-1),
        },
        "Default retention.ms of topics.",
    ),
    (
        "message.max.bytes",
        |c, _| some(c.message_max_bytes),
        "Default max.message.bytes of topics.",
    ),
    (
        "min.insync.replicas",
        |c, _| some(c.min_insync_replicas),
        "Default min.insync.replicas of topics.",
    ),
    ("node.id", |_, id| some(id), "The broker's id."),
    (
        "num.partitions",
        |c, _| some(c.num_partitions),
        "Partitions of a topic created without a count.",
    ),
    (
        "offset.metadata.max.bytes",
        |c, _| int(c.groups.offset_metadata_max_bytes),
        "Longest metadata string of an offset commit.",
    ),
    (
        "offsets.retention.check.interval.ms",
        |c, _| some(c.groups.offsets_retention_check_interval_ms),
        "How often expired offsets are removed.",
    ),
    (
        "offsets.retention.minutes",
        |c, _| some(c.groups.offsets_retention_ms / 60_000),
        "How long the offsets of an empty group stay.",
    ),
    (
        "offsets.topic.num.partitions",
        |c, _| some(c.offsets_topic_num_partitions),
        "Partitions of __consumer_offsets.",
    ),
    (
        "offsets.topic.replication.factor",
        |c, _| some(c.offsets_topic_replication_factor),
        "Replicas of __consumer_offsets.",
    ),
    (
        "replica.lag.time.max.ms",
        |c, _| some(c.replica_lag_time_max_ms),
        "A follower behind this long leaves the ISR.",
    ),
    (
        "socket.request.max.bytes",
        |c, _| some(c.socket_request_max_bytes),
        "The largest request accepted.",
    ),
    (
        "unclean.leader.election.enable",
        |c, _| some(c.unclean_leader_election),
        "Default unclean.leader.election.enable of topics.",
    ),
];

/// What the mock says of a config it describes but does not have.
const NOT_MODELLED: &str = "A Kafka broker config the mock describes with Kafka's default; \
                            it changes nothing in the mock.";

fn modelled(name: &str) -> Option<&'static Modelled> {
    MODELLED.iter().find(|m| m.0 == name)
}

/// Whether `name` is a broker config Kafka has, and if so whether Kafka can change it at run
/// time (`Some(false)`: read-only).
pub fn dynamic(name: &str) -> Option<bool> {
    CONFIGS
        .iter()
        .find(|k| k.name == name)
        .map(|k| !k.read_only)
}

/// Whether `value` is one Kafka's ConfigDef parses for `name`'s type (numbers in range, booleans
/// `true`/`false` in any case, surrounding blanks ignored); names not in the table pass.
pub fn parses(name: &str, value: &str) -> bool {
    let Some(k) = CONFIGS.iter().find(|k| k.name == name) else {
        return true;
    };
    let v = value.trim();
    match k.kind {
        ConfigType::Boolean => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
        ConfigType::Short => v.parse::<i16>().is_ok(),
        ConfigType::Int => v.parse::<i32>().is_ok(),
        ConfigType::Long => v.parse::<i64>().is_ok(),
        ConfigType::Double => v.parse::<f64>().is_ok(),
        _ => true,
    }
}

/// Broker configs set at run time: each broker's own (DescribeConfigs source
/// DYNAMIC_BROKER_CONFIG) and the cluster-wide defaults (resource name "", source
/// DYNAMIC_DEFAULT_BROKER_CONFIG). A broker's own value wins over the cluster-wide one, which
/// wins over the static config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicConfigs {
    per_broker: BTreeMap<i32, BTreeMap<String, String>>,
    cluster: BTreeMap<String, String>,
}

impl DynamicConfigs {
    /// Sets (`Some`) or removes (`None`) `name` on broker `broker`, or cluster-wide (`None`).
    pub fn set(&mut self, broker: Option<i32>, name: &str, value: Option<&str>) {
        let scope = match broker {
            Some(id) => self.per_broker.entry(id).or_default(),
            None => &mut self.cluster,
        };
        match value {
            Some(v) => {
                scope.insert(name.to_owned(), v.to_owned());
            }
            None => {
                scope.remove(name);
            }
        }
    }

    /// Broker `id`'s own value of `name`.
    pub fn broker(&self, id: i32, name: &str) -> Option<&str> {
        self.per_broker.get(&id)?.get(name).map(String::as_str)
    }

    /// The cluster-wide value of `name`.
    pub fn cluster(&self, name: &str) -> Option<&str> {
        self.cluster.get(name).map(String::as_str)
    }

    /// The value of `name` on broker `id` (`None`: cluster-wide), if set at run time at all.
    pub fn effective(&self, id: Option<i32>, name: &str) -> Option<&str> {
        id.and_then(|id| self.broker(id, name))
            .or_else(|| self.cluster(name))
    }
}

/// Whether changing `name` at run time changes something in the mock (the others are accepted,
/// as Kafka accepts them, and change nothing).
pub fn acts_on(name: &str) -> bool {
    modelled(name).is_some() && dynamic(name) == Some(true)
}

/// The configs of broker `id` (or those in `keys`), in name order, with whether each is
/// read-only and sensitive, as Kafka describes them. `config` is the static config (what the
/// brokers started with), `dynamic` what was set at run time. The value is the first of, and
/// the synonyms (with synonyms asked for) are each present one of, in this order:
/// - the broker's own dynamic value (the source is then DYNAMIC_BROKER_CONFIG);
/// - the cluster-wide dynamic default (DYNAMIC_DEFAULT_BROKER_CONFIG) — on Kafka 4 the
///   controller records `min.insync.replicas` there at start-up (the mock does the same when the
///   cluster is made);
/// - the static config when it differs from Kafka's default (`min.insync.replicas`: always, as
///   the harness's brokers set it), STATIC_BROKER_CONFIG;
/// - Kafka's default (DEFAULT_CONFIG), none when Kafka has none;
///
/// and a sensitive config shows no value, anywhere.
pub fn describe(
    config: &ClusterConfig,
    dynamic: &DynamicConfigs,
    id: i32,
    keys: Option<&[String]>,
) -> Vec<BrokerConfig> {
    CONFIGS
        .iter()
        .filter(|k| keys.is_none_or(|keys| keys.iter().any(|key| key == k.name)))
        .map(|k| {
            let m = modelled(k.name);
            let default = k.default.map(str::to_owned);
            let fixed = m
                .and_then(|m| (m.1)(config, id))
                .filter(|v| k.name == "min.insync.replicas" || Some(v) != default.as_ref());
            let hide = |v: Option<String>| if k.sensitive { None } else { v };
            let mut synonyms = Vec::new();
            let layers = [
                (
                    dynamic.broker(id, k.name).map(str::to_owned),
                    ConfigSource::DynamicBroker,
                ),
                (
                    dynamic.cluster(k.name).map(str::to_owned),
                    ConfigSource::DynamicDefaultBroker,
                ),
                (fixed, ConfigSource::StaticBroker),
                (default, ConfigSource::Default),
            ];
            for (v, source) in &layers {
                if let Some(v) = v {
                    synonyms.push((k.name, hide(Some(v.clone())), *source));
                }
            }
            let (value, source) = layers
                .into_iter()
                .find(|(v, _)| v.is_some())
                .unwrap_or((None, ConfigSource::Default));
            BrokerConfig {
                described: Described {
                    name: k.name,
                    value: hide(value),
                    source,
                    kind: k.kind,
                    synonyms,
                    doc: m.map_or(NOT_MODELLED, |m| m.2),
                },
                read_only: k.read_only,
                sensitive: k.sensitive,
            }
        })
        .collect()
}

/// The cluster-wide broker configs (resource name ""), or those in `keys`: each dynamic default
/// set at run time (and `min.insync.replicas`, which Kafka 4's controller records at start-up),
/// with itself as its one synonym.
pub fn describe_cluster_defaults(
    dynamic: &DynamicConfigs,
    keys: Option<&[String]>,
) -> Vec<BrokerConfig> {
    CONFIGS
        .iter()
        .filter(|k| keys.is_none_or(|keys| keys.iter().any(|key| key == k.name)))
        .filter_map(|k| {
            let value = dynamic.cluster(k.name)?;
            let value = (!k.sensitive).then(|| value.to_owned());
            Some(BrokerConfig {
                described: Described {
                    name: k.name,
                    value: value.clone(),
                    source: ConfigSource::DynamicDefaultBroker,
                    kind: k.kind,
                    synonyms: vec![(k.name, value, ConfigSource::DynamicDefaultBroker)],
                    doc: modelled(k.name).map_or(NOT_MODELLED, |m| m.2),
                },
                read_only: k.read_only,
                sensitive: k.sensitive,
            })
        })
        .collect()
}

/// The dynamic configs a cluster starts with: `min.insync.replicas` cluster-wide, as Kafka 4's
/// controller records it from the static config at start-up.
pub fn initial_dynamic(config: &ClusterConfig) -> DynamicConfigs {
    let mut d = DynamicConfigs::default();
    d.set(
        None,
        "min.insync.replicas",
        Some(&config.min_insync_replicas.to_string()),
    );
    d
}

/// A broker config as DescribeConfigs lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    /// Its value, source, type and synonyms.
    pub described: Described,
    /// Whether Kafka refuses to change it at run time.
    pub read_only: bool,
    /// Whether Kafka hides its value (passwords, keys).
    pub sensitive: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(c: &ClusterConfig, id: i32, name: &str) -> BrokerConfig {
        let mut all = describe(c, &initial_dynamic(c), id, Some(&[name.to_owned()]));
        assert_eq!(all.len(), 1, "{name}");
        all.remove(0)
    }

    #[test]
    fn the_table_is_kafkas_full_set_by_name() {
        let c = ClusterConfig::default();
        let all = describe(&c, &initial_dynamic(&c), 2, None);
        assert!(all.len() > 300, "Kafka 4.3.1 lists 340, not {}", all.len());
        assert!(
            all.windows(2)
                .all(|w| w[0].described.name < w[1].described.name),
            "by name, each once"
        );
        for (name, ..) in MODELLED {
            assert!(dynamic(name).is_some(), "{name} is a Kafka broker config");
        }
        assert!(all.iter().any(|b| b.described.kind == ConfigType::Password));
    }

    #[test]
    fn values_sources_and_synonyms_are_kafkas() {
        let c = ClusterConfig::default();
        let node = one(&c, 2, "node.id");
        assert_eq!(
            (
                node.described.value.as_deref(),
                node.described.source,
                node.read_only
            ),
            (Some("2"), ConfigSource::StaticBroker, true)
        );
        assert_eq!(
            node.described.synonyms.len(),
            1,
            "node.id has no default to list"
        );
        let np = one(&c, 2, "num.partitions");
        assert_eq!(np.described.value.as_deref(), Some("3"));
        assert_eq!(
            np.described.synonyms,
            vec![
                (
                    "num.partitions",
                    Some("3".into()),
                    ConfigSource::StaticBroker
                ),
                ("num.partitions", Some("1".into()), ConfigSource::Default),
            ]
        );
        let rf = one(&c, 1, "offsets.topic.replication.factor");
        assert_eq!(
            rf.described.kind,
            ConfigType::Short,
            "a SHORT in Kafka's ConfigDef"
        );
        // Not modelled: Kafka's default, as a broker that does not set it describes it.
        let threads = one(&c, 1, "num.io.threads");
        assert_eq!(
            (threads.described.value.as_deref(), threads.described.source),
            (Some("8"), ConfigSource::Default)
        );
        assert_eq!(
            threads.described.synonyms,
            vec![("num.io.threads", Some("8".into()), ConfigSource::Default)]
        );
        // No default and not set: null, no synonym.
        let roll = one(&c, 1, "log.roll.ms");
        assert_eq!(
            (roll.described.value, roll.described.synonyms.len()),
            (None, 0)
        );
        // Sensitive: never a value.
        let pw = one(&c, 1, "ssl.key.password");
        assert!(pw.sensitive && pw.described.value.is_none());
        assert_eq!(pw.described.kind, ConfigType::Password);
        // The mock's unlimited time retention is Kafka's -1; Kafka's week is unset.
        assert_eq!(
            one(&c, 1, "log.retention.ms").described.value.as_deref(),
            Some("-1")
        );
        let week = ClusterConfig {
            log_retention_ms: Some(WEEK_MS),
            ..ClusterConfig::default()
        };
        let r = one(&week, 1, "log.retention.ms");
        assert_eq!(
            (r.described.value, r.described.source),
            (None, ConfigSource::Default)
        );
        let mir = one(&c, 1, "min.insync.replicas");
        assert_eq!(mir.described.source, ConfigSource::DynamicDefaultBroker);
        assert_eq!(mir.described.synonyms.len(), 3);
    }

    #[test]
    fn the_cluster_wide_defaults_are_min_insync_replicas() {
        let c = ClusterConfig::default();
        let all = describe_cluster_defaults(&initial_dynamic(&c), None);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].described.name, "min.insync.replicas");
        assert_eq!(
            all[0].described.synonyms,
            vec![(
                "min.insync.replicas",
                Some("1".into()),
                ConfigSource::DynamicDefaultBroker
            )]
        );
        assert!(
            describe_cluster_defaults(&initial_dynamic(&c), Some(&["num.partitions".to_owned()]))
                .is_empty()
        );
    }

    #[test]
    fn dynamic_and_acted_on() {
        assert_eq!(dynamic("min.insync.replicas"), Some(true));
        assert_eq!(dynamic("num.partitions"), Some(false));
        assert_eq!(dynamic("log.cleaner.threads"), Some(true));
        assert_eq!(dynamic("nope"), None);
        assert!(acts_on("log.retention.bytes"));
        assert!(!acts_on("log.cleaner.threads"), "described, not acted on");
        assert!(!acts_on("num.partitions"), "read-only");
        assert!(parses("log.cleaner.threads", " 4 "));
        assert!(!parses("log.cleaner.threads", "many"));
        assert!(!parses("log.cleaner.threads", "4294967296"), "an INT");
        assert!(parses("unclean.leader.election.enable", "TRUE"));
        assert!(!parses("unclean.leader.election.enable", "yes"));
        assert!(parses("no.such.config", "anything"));
    }
}
