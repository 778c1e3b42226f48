//! The [`State`] snapshot: brokers, partitions, groups, pending faults and counters, as `GET /state`
//! and [`super::Controller::state`] report them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::group_state::GroupState;
use crate::cluster::topic_config::Described;
use crate::cluster::{BrokerId, Cluster, FollowerLag, Scope, Stats};
use crate::security::{ListenerSecurity, Rejection, SaslShared, SaslStats};
use crate::server::{ConnectionFaults, ServerStats};

/// The snapshot of `c`, with the connection faults set per broker (0 = every broker) and the
/// server's counters.
pub(crate) fn snapshot(
    c: &Cluster,
    faults: &BTreeMap<BrokerId, ConnectionFaults>,
    server: ServerStats,
    security: SecurityState,
) -> State {
    let brokers = c
        .brokers()
        .map(|b| BrokerState {
            id: b.id,
            host: b.host.clone(),
            port: b.port,
            rack: b.rack.clone(),
            up: b.up,
            follower_lag: b.follower_lag,
            connection_faults: faults.get(&b.id).cloned(),
        })
        .collect();
    let topics = c
        .topics()
        .map(|t| TopicState {
            name: t.name.clone(),
            id: t.id.to_string(),
            partitions: t
                .partitions
                .iter()
                .map(|p| PartitionState {
                    partition: p.index,
                    leader: p.leader,
                    leader_epoch: p.leader_epoch,
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    offline_replicas: p
                        .replicas
                        .iter()
                        .copied()
                        .filter(|r| !c.is_up(*r))
                        .collect(),
                    high_watermark: p.high_watermark,
                    log_end_offset: p.log_end_offset(),
                    log_start_offset: p.log_start_offset(),
                    replica_log_end_offsets: p
                        .logs
                        .iter()
                        .map(|(b, l)| (b.to_string(), l.end_offset()))
                        .collect(),
                    lag_overrides: p
                        .lag_overrides
                        .iter()
                        .map(|(b, l)| (b.to_string(), *l))
                        .collect(),
                    truncated_records: p.truncated_records,
                })
                .collect(),
        })
        .collect();
    State {
        now_ms: c.now(),
        cluster_id: c.config().cluster_id.clone(),
        controller: c.controller_id(),
        default_follower_lag: c.config().follower_lag,
        min_insync_replicas: c.config().min_insync_replicas,
        brokers,
        topics,
        pending_injections: c
            .faults
            .pending()
            .iter()
            .map(|i| InjectionState {
                api: i.api.name().to_owned(),
                error: i.error.name().to_owned(),
                remaining: i.remaining,
                scope: i.scope.clone(),
                after_append: i.after_append,
            })
            .collect(),
        cluster_wide_connection_faults: faults.get(&0).cloned(),
        groups: super::group_state::groups(c),
        stats: c.stats(),
        injected_errors: c.faults.injected,
        server,
        security,
    }
}

/// The listeners' security, the SASL faults in force and the SASL counters.
pub(crate) fn security(listener: &ListenerSecurity, sasl: &SaslShared) -> SecurityState {
    let ms = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    };
    SecurityState {
        listener: listener.clone(),
        expired_sessions: sasl
            .faults
            .expiries
            .iter()
            .map(|e| ExpiryState {
                broker: e.broker,
                authenticated_until_ms: ms(e.before),
            })
            .collect(),
        reject_logins: sasl.faults.rejections.clone(),
        counters: sasl.stats,
    }
}

/// The listeners' security in [`State`].
#[derive(Debug, Clone, Serialize)]
pub struct SecurityState {
    /// Protocol, SASL mechanisms, session lifetime, client certificates.
    #[serde(flatten)]
    pub listener: ListenerSecurity,
    /// `expire_sessions` faults in force: sessions authenticated up to a time (ms since the
    /// Unix epoch) on a broker (every broker when null) are over.
    pub expired_sessions: Vec<ExpiryState>,
    /// `reject_logins` faults still to serve (`left` logins each).
    pub reject_logins: Vec<Rejection>,
    /// What the SASL layer did so far.
    pub counters: SaslStats,
}

/// An `expire_sessions` fault in [`SecurityState`].
#[derive(Debug, Clone, Serialize)]
pub struct ExpiryState {
    /// The broker (every broker when null).
    pub broker: Option<BrokerId>,
    /// Sessions authenticated up to this time (ms since the Unix epoch) are over.
    pub authenticated_until_ms: u64,
}

/// What `GET /state` returns.
#[derive(Debug, Clone, Serialize)]
pub struct State {
    /// Model time (ms since start).
    pub now_ms: u64,
    /// Cluster id.
    pub cluster_id: String,
    /// Controller id reported in Metadata.
    pub controller: BrokerId,
    /// Default follower lag.
    pub default_follower_lag: FollowerLag,
    /// `min.insync.replicas`.
    pub min_insync_replicas: i32,
    /// Brokers.
    pub brokers: Vec<BrokerState>,
    /// Topics.
    pub topics: Vec<TopicState>,
    /// Injected errors still to be served.
    pub pending_injections: Vec<InjectionState>,
    /// Connection faults on every broker.
    pub cluster_wide_connection_faults: Option<ConnectionFaults>,
    /// Consumer groups: type, state, members and assignments, committed offsets and lag.
    pub groups: Vec<GroupState>,
    /// Model counters.
    pub stats: Stats,
    /// Errors injected so far.
    pub injected_errors: u64,
    /// Server counters.
    pub server: ServerStats,
    /// The listeners' security: protocol, SASL mechanisms, session lifetime, SASL faults in
    /// force and SASL counters.
    pub security: SecurityState,
}

/// A broker in [`State`].
#[derive(Debug, Clone, Serialize)]
pub struct BrokerState {
    /// Id.
    pub id: BrokerId,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Rack.
    pub rack: Option<String>,
    /// Running?
    pub up: bool,
    /// Its follower lag override.
    pub follower_lag: Option<FollowerLag>,
    /// Its connection faults.
    pub connection_faults: Option<ConnectionFaults>,
}

/// A topic in [`State`].
#[derive(Debug, Clone, Serialize)]
pub struct TopicState {
    /// Name.
    pub name: String,
    /// Topic id.
    pub id: String,
    /// Partitions.
    pub partitions: Vec<PartitionState>,
}

/// A partition in [`State`].
#[derive(Debug, Clone, Serialize)]
pub struct PartitionState {
    /// Index.
    pub partition: i32,
    /// Leader (null while offline).
    pub leader: Option<BrokerId>,
    /// Leader epoch.
    pub leader_epoch: i32,
    /// Replicas.
    pub replicas: Vec<BrokerId>,
    /// ISR.
    pub isr: Vec<BrokerId>,
    /// Replicas on brokers that are down.
    pub offline_replicas: Vec<BrokerId>,
    /// High watermark.
    pub high_watermark: i64,
    /// The leader's log-end offset.
    pub log_end_offset: i64,
    /// Log start offset.
    pub log_start_offset: i64,
    /// Every replica's log-end offset, by broker id.
    pub replica_log_end_offsets: BTreeMap<String, i64>,
    /// Per-follower lag overrides.
    pub lag_overrides: BTreeMap<String, FollowerLag>,
    /// Records truncated from replica logs after leader changes.
    pub truncated_records: u64,
}

/// A pending injection in [`State`].
#[derive(Debug, Clone, Serialize)]
pub struct InjectionState {
    /// API name.
    pub api: String,
    /// Error name.
    pub error: String,
    /// Requests still to fail.
    pub remaining: u32,
    /// Scope.
    pub scope: Scope,
    /// Append first?
    pub after_append: bool,
}

/// One config as DescribeConfigs lists it, for [`super::Controller::describe_topic_configs`],
/// [`super::Controller::describe_broker_configs`] and `GET /topics/{name}/configs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigEntry {
    /// The config.
    pub name: String,
    /// Its value (null for a config without one).
    pub value: Option<String>,
    /// Where the value comes from, in the Java AdminClient's names (`DYNAMIC_TOPIC_CONFIG`,
    /// `STATIC_BROKER_CONFIG`, `DEFAULT_CONFIG`, ...).
    pub source: &'static str,
    /// Its type (`INT`, `LONG`, `LIST`, ...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Whether Kafka refuses to change it at run time.
    pub read_only: bool,
    /// Where else the value could come from, most specific first.
    pub synonyms: Vec<ConfigSynonym>,
}

/// A synonym of a [`ConfigEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigSynonym {
    /// The config it comes from.
    pub name: String,
    /// Its value there.
    pub value: Option<String>,
    /// That config's source.
    pub source: &'static str,
}

impl ConfigEntry {
    /// The entry for a described config.
    pub(crate) fn new(d: Described, read_only: bool) -> ConfigEntry {
        ConfigEntry {
            name: d.name.to_owned(),
            value: d.value,
            source: d.source.name(),
            kind: d.kind.name(),
            read_only,
            synonyms: d
                .synonyms
                .into_iter()
                .map(|(name, value, source)| ConfigSynonym {
                    name: name.to_owned(),
                    value,
                    source: source.name(),
                })
                .collect(),
        }
    }
}
