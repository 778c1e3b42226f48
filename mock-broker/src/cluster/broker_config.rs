//! Broker configs as DescribeConfigs lists them for a BROKER resource: the settings the mock
//! has (its `ClusterConfig`), under Kafka's names, with Kafka's types, defaults and read-only
//! flags. Kafka lists some 300 broker configs; the mock lists these only.

use super::config::ClusterConfig;
use super::topic_config::{ConfigSource, ConfigType, Described};

/// Kafka's default of a broker config (its `ConfigDef`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KafkaDefault {
    /// This value.
    Value(&'static str),
    /// Null (a config that is unset unless configured, such as `broker.rack`).
    Null,
    /// None: the config must be set (`node.id`); no DEFAULT_CONFIG synonym is listed.
    Required,
}

use KafkaDefault::{Null, Required, Value};

impl KafkaDefault {
    fn value(self) -> Option<&'static str> {
        match self {
            Value(v) => Some(v),
            Null | Required => None,
        }
    }
}

/// One broker config the mock has: name, type, Kafka's default, whether Kafka can change it
/// at run time, its value on `cluster` for broker `id`, and a sentence on it.
type Entry = (
    &'static str,
    ConfigType,
    KafkaDefault,
    bool,
    fn(&ClusterConfig, i32) -> Option<String>,
    &'static str,
);

fn limit(v: Option<u64>) -> Option<String> {
    Some(v.map_or_else(|| "-1".to_owned(), |v| v.to_string()))
}

const ENTRIES: &[Entry] = &[
    (
        "auto.create.topics.enable",
        ConfigType::Boolean,
        Value("true"),
        false,
        |c, _| Some(c.auto_create_topics.to_string()),
        "Whether Metadata creates unknown topics.",
    ),
    (
        "broker.rack",
        ConfigType::String,
        Null,
        false,
        |c, id| {
            (!c.racks.is_empty())
                .then(|| c.racks[usize::try_from(id - 1).unwrap_or(0) % c.racks.len()].clone())
        },
        "The broker's rack.",
    ),
    (
        "connections.max.idle.ms",
        ConfigType::Long,
        Value("600000"),
        false,
        |c, _| Some(c.connections_max_idle_ms.to_string()),
        "Idle connections close after this long.",
    ),
    (
        "default.replication.factor",
        ConfigType::Int,
        Value("1"),
        false,
        |c, _| Some(c.default_replication_factor.to_string()),
        "Replicas of a topic created without a replication factor.",
    ),
    (
        "log.retention.bytes",
        ConfigType::Long,
        Value("-1"),
        true,
        |c, _| limit(c.log_retention_bytes),
        "Default retention.bytes of topics.",
    ),
    (
        "log.retention.ms",
        ConfigType::Long,
        Null,
        true,
        |c, _| {
            c.log_retention_ms
                .map(|v| v.to_string())
                .or(Some("-1".into()))
        },
        "Default retention.ms of topics.",
    ),
    (
        "message.max.bytes",
        ConfigType::Int,
        Value("1048588"),
        true,
        |c, _| Some(c.message_max_bytes.to_string()),
        "Default max.message.bytes of topics.",
    ),
    (
        "min.insync.replicas",
        ConfigType::Int,
        Value("1"),
        true,
        |c, _| Some(c.min_insync_replicas.to_string()),
        "Default min.insync.replicas of topics.",
    ),
    (
        "node.id",
        ConfigType::Int,
        Required,
        false,
        |_, id| Some(id.to_string()),
        "The broker's id.",
    ),
    (
        "num.partitions",
        ConfigType::Int,
        Value("1"),
        false,
        |c, _| Some(c.num_partitions.to_string()),
        "Partitions of a topic created without a count.",
    ),
    (
        "offsets.topic.num.partitions",
        ConfigType::Int,
        Value("50"),
        false,
        |c, _| Some(c.offsets_topic_num_partitions.to_string()),
        "Partitions of __consumer_offsets.",
    ),
    (
        "offsets.topic.replication.factor",
        ConfigType::Short,
        Value("3"),
        false,
        |c, _| Some(c.offsets_topic_replication_factor.to_string()),
        "Replicas of __consumer_offsets.",
    ),
    (
        "replica.lag.time.max.ms",
        ConfigType::Long,
        Value("30000"),
        false,
        |c, _| Some(c.replica_lag_time_max_ms.to_string()),
        "A follower behind this long leaves the ISR.",
    ),
    (
        "socket.request.max.bytes",
        ConfigType::Int,
        Value("104857600"),
        false,
        |c, _| Some(c.socket_request_max_bytes.to_string()),
        "The largest request accepted.",
    ),
    (
        "unclean.leader.election.enable",
        ConfigType::Boolean,
        Value("false"),
        true,
        |c, _| Some(c.unclean_leader_election.to_string()),
        "Default unclean.leader.election.enable of topics.",
    ),
];

/// Whether `name` is a broker config the mock lists, and if so whether Kafka can change it at
/// run time (`Some(false)`: read-only).
pub fn dynamic(name: &str) -> Option<bool> {
    ENTRIES.iter().find(|e| e.0 == name).map(|e| e.3)
}

/// The configs of broker `id` (or those in `keys`), in name order. A value equal to Kafka's
/// default is reported as the default; `min.insync.replicas` as Kafka 4 reports it, a
/// cluster-wide dynamic default its controller records at start-up.
pub fn describe(
    cluster: &ClusterConfig,
    id: i32,
    keys: Option<&[String]>,
) -> Vec<(Described, bool)> {
    ENTRIES
        .iter()
        .filter(|e| keys.is_none_or(|k| k.iter().any(|k| k == e.0)))
        .map(|&(name, kind, default, dynamic, value, doc)| {
            let value = value(cluster, id);
            let source = if name == "min.insync.replicas" {
                ConfigSource::DynamicDefaultBroker
            } else if default != Required
                && (value.as_deref() == default.value() || value.is_none())
            {
                ConfigSource::Default
            } else {
                ConfigSource::StaticBroker
            };
            let mut synonyms = vec![(name, value.clone(), source)];
            if source != ConfigSource::Default && default != Required {
                synonyms.push((
                    name,
                    default.value().map(str::to_owned),
                    ConfigSource::Default,
                ));
            }
            let d = Described {
                name,
                value,
                source,
                kind,
                synonyms,
                doc,
            };
            (d, !dynamic)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_configs_come_from_the_cluster_config() {
        let c = ClusterConfig::default();
        let all = describe(&c, 2, None);
        assert!(all.windows(2).all(|w| w[0].0.name < w[1].0.name), "by name");
        let one = describe(
            &c,
            2,
            Some(&["num.partitions".to_owned(), "node.id".to_owned()]),
        );
        assert_eq!(one.len(), 2);
        let (node, ro) = &one[0];
        assert_eq!(
            (node.value.as_deref(), node.source, *ro),
            (Some("2"), ConfigSource::StaticBroker, true)
        );
        assert_eq!(node.synonyms.len(), 1, "node.id has no default to list");
        let (np, _) = &one[1];
        assert_eq!((np.value.as_deref(), np.synonyms.len()), (Some("3"), 2));
        let rf = describe(
            &c,
            1,
            Some(&["offsets.topic.replication.factor".to_owned()]),
        );
        assert_eq!(
            rf[0].0.kind,
            ConfigType::Short,
            "a SHORT in Kafka's ConfigDef"
        );
        assert_eq!(dynamic("min.insync.replicas"), Some(true));
        assert_eq!(dynamic("num.partitions"), Some(false));
        assert_eq!(dynamic("nope"), None);
    }
}
