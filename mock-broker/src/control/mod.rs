//! Scripting the cluster: one JSON vocabulary of [`Action`]s shared by the Rust API
//! ([`Controller::apply`]), scenario files ([`scenario`]) and the HTTP/JSON control endpoint
//! ([`http`]), plus the [`State`] snapshot they report.
//!
//! ```json
//! {"action": "broker_down", "broker": 2}
//! {"action": "move_leader", "topic": "t", "partition": 0, "to": 3}
//! {"action": "inject", "api": "produce", "error": "NOT_LEADER_OR_FOLLOWER", "count": 3}
//! ```

pub mod http;
pub mod scenario;

use std::collections::BTreeMap;

use kwire_protocol::{ApiKey, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::cluster::{BrokerId, FollowerLag, Injection, Scope, Stats};
use crate::server::{ConnectionFaults, Controller, ServerStats};

/// Why an action could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The cluster refused it (unknown partition, no eligible leader, ...).
    #[error("{action}: {error}")]
    Refused {
        /// The action's name.
        action: &'static str,
        /// Kafka's error for it.
        error: ErrorCode,
    },
    /// The action itself is malformed (unknown API or error name, bad combination).
    #[error("invalid action: {0}")]
    Invalid(String),
}

/// An API key or error code given by name (`"produce"`, `"NOT_LEADER_OR_FOLLOWER"`, any
/// case) or by number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NameOrCode {
    /// A number.
    Code(i16),
    /// A name.
    Name(String),
}

impl NameOrCode {
    fn normalized(name: &str) -> String {
        name.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }

    /// The API key this names.
    pub fn api_key(&self) -> Result<ApiKey, ControlError> {
        match self {
            NameOrCode::Code(c) => Ok(ApiKey(*c)),
            NameOrCode::Name(n) => {
                let want = Self::normalized(n);
                (0..=100)
                    .map(ApiKey)
                    .find(|k| k.name() != "Unknown" && Self::normalized(k.name()) == want)
                    .ok_or_else(|| ControlError::Invalid(format!("unknown API {n:?}")))
            }
        }
    }

    /// The error code this names.
    pub fn error_code(&self) -> Result<ErrorCode, ControlError> {
        match self {
            NameOrCode::Code(c) => Ok(ErrorCode::from_code(*c)),
            NameOrCode::Name(n) => {
                let want = Self::normalized(n);
                (-1..=200)
                    .map(ErrorCode::from_code)
                    .find(|e| {
                        !matches!(e, ErrorCode::Unknown(_)) && Self::normalized(e.name()) == want
                    })
                    .ok_or_else(|| ControlError::Invalid(format!("unknown error {n:?}")))
            }
        }
    }
}

fn one() -> u32 {
    1
}

/// One scripted change to the cluster. Serialized with an `"action"` tag in snake case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Stop a broker: connections closed and refused, its partitions fail over.
    BrokerDown {
        /// The broker.
        broker: BrokerId,
    },
    /// Restart a broker.
    BrokerUp {
        /// The broker.
        broker: BrokerId,
    },
    /// Move a partition's leadership to `to` (a live ISR member), or to the next eligible
    /// replica.
    MoveLeader {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// New leader.
        #[serde(default)]
        to: Option<BrokerId>,
    },
    /// Set a partition's ISR (the leader stays in it).
    SetIsr {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// The new ISR.
        isr: Vec<BrokerId>,
    },
    /// Reassign a partition's replicas (the followers).
    SetReplicas {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// The new replicas, preferred leader first.
        replicas: Vec<BrokerId>,
    },
    /// Set follower lag: default (no broker), per broker, or per broker and partition.
    SetLag {
        /// The follower broker.
        #[serde(default)]
        broker: Option<BrokerId>,
        /// With `partition`: only this partition.
        #[serde(default)]
        topic: Option<String>,
        /// With `topic`.
        #[serde(default)]
        partition: Option<i32>,
        /// Lag in milliseconds.
        #[serde(default)]
        lag_ms: Option<u64>,
        /// Copy nothing until changed.
        #[serde(default)]
        stalled: bool,
        /// Remove the override (broker or partition).
        #[serde(default)]
        clear: bool,
    },
    /// Answer the next `count` requests of `api` with `error`, cluster-wide, on one broker,
    /// or for one partition.
    Inject {
        /// The API.
        api: NameOrCode,
        /// The error.
        error: NameOrCode,
        /// How many requests (default 1).
        #[serde(default = "one")]
        count: u32,
        /// Only requests handled by this broker.
        #[serde(default)]
        broker: Option<BrokerId>,
        /// Only this partition (with `partition`).
        #[serde(default)]
        topic: Option<String>,
        /// With `topic`.
        #[serde(default)]
        partition: Option<i32>,
        /// Produce only: append, then answer with the error (default: true for
        /// REQUEST_TIMED_OUT and NOT_ENOUGH_REPLICAS_AFTER_APPEND, as in Kafka).
        #[serde(default)]
        after_append: Option<bool>,
    },
    /// Forget every pending injected error.
    ClearInjections,
    /// Connection-level faults for a broker (0 or absent: every broker). Replaces what was set.
    ConnectionFaults {
        /// The broker (0 = all).
        #[serde(default)]
        broker: BrokerId,
        /// Delay before every response.
        #[serde(default)]
        latency_ms: u64,
        /// Close the connection instead of answering the next N appended Produce requests.
        #[serde(default)]
        drop_after_append: u32,
        /// Hold every response until cleared.
        #[serde(default)]
        stall: bool,
    },
    /// Create a topic.
    CreateTopic {
        /// Name.
        name: String,
        /// Partitions.
        partitions: i32,
        /// Replication factor.
        replication_factor: i16,
    },
}

impl Action {
    /// The action's name, as in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Action::BrokerDown { .. } => "broker_down",
            Action::BrokerUp { .. } => "broker_up",
            Action::MoveLeader { .. } => "move_leader",
            Action::SetIsr { .. } => "set_isr",
            Action::SetReplicas { .. } => "set_replicas",
            Action::SetLag { .. } => "set_lag",
            Action::Inject { .. } => "inject",
            Action::ClearInjections => "clear_injections",
            Action::ConnectionFaults { .. } => "connection_faults",
            Action::CreateTopic { .. } => "create_topic",
        }
    }
}

/// What an applied action reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The action's name.
    pub action: &'static str,
    /// Whether it changed anything (e.g. false for `broker_down` on a broker already down).
    pub changed: bool,
    /// The new leader, for `move_leader`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<BrokerId>,
}

impl Controller {
    /// Applies one action now.
    pub fn apply(&self, action: &Action) -> Result<Applied, ControlError> {
        let name = action.name();
        let refused = |error: ErrorCode| ControlError::Refused {
            action: name,
            error,
        };
        let mut out = Applied {
            action: name,
            changed: true,
            leader: None,
        };
        match action {
            Action::BrokerDown { broker } => {
                self.check_broker(*broker)?;
                out.changed = self.broker_down(*broker);
            }
            Action::BrokerUp { broker } => {
                self.check_broker(*broker)?;
                out.changed = self.broker_up(*broker);
            }
            Action::MoveLeader {
                topic,
                partition,
                to,
            } => {
                out.leader = Some(self.move_leader(topic, *partition, *to).map_err(refused)?);
            }
            Action::SetIsr {
                topic,
                partition,
                isr,
            } => self
                .set_isr(topic, *partition, isr.clone())
                .map_err(refused)?,
            Action::SetReplicas {
                topic,
                partition,
                replicas,
            } => self
                .set_replicas(topic, *partition, replicas.clone())
                .map_err(refused)?,
            Action::SetLag {
                broker,
                topic,
                partition,
                lag_ms,
                stalled,
                clear,
            } => {
                let lag = match (lag_ms, stalled, clear) {
                    (_, _, true) => None,
                    (None, true, false) => Some(FollowerLag::Stalled),
                    (Some(ms), false, false) => Some(FollowerLag::Millis(*ms)),
                    _ => {
                        return Err(ControlError::Invalid(
                            "set_lag needs exactly one of lag_ms, stalled or clear".into(),
                        ));
                    }
                };
                let part = match (topic, partition) {
                    (Some(t), Some(p)) => Some((t.as_str(), *p)),
                    (None, None) => None,
                    _ => {
                        return Err(ControlError::Invalid(
                            "topic and partition go together".into(),
                        ));
                    }
                };
                if part.is_some() && broker.is_none() {
                    return Err(ControlError::Invalid(
                        "a partition lag needs the follower broker".into(),
                    ));
                }
                if broker.is_none() && lag.is_none() {
                    return Err(ControlError::Invalid(
                        "the default lag cannot be cleared; set lag_ms".into(),
                    ));
                }
                self.set_lag(*broker, part, lag).map_err(refused)?;
            }
            Action::Inject {
                api,
                error,
                count,
                broker,
                topic,
                partition,
                after_append,
            } => {
                let scope = match (broker, topic, partition) {
                    (None, None, None) => Scope::Cluster,
                    (Some(b), None, None) => Scope::Broker { broker: *b },
                    (None, Some(t), Some(p)) => Scope::Partition {
                        topic: t.clone(),
                        partition: *p,
                    },
                    _ => {
                        return Err(ControlError::Invalid(
                            "scope is cluster (nothing), broker, or topic+partition".into(),
                        ));
                    }
                };
                let mut i = Injection::new(api.api_key()?, scope, error.error_code()?, *count);
                if let Some(a) = after_append {
                    i.after_append = *a;
                }
                self.inject(i);
            }
            Action::ClearInjections => self.clear_injections(),
            Action::ConnectionFaults {
                broker,
                latency_ms,
                drop_after_append,
                stall,
            } => {
                if *broker != 0 {
                    self.check_broker(*broker)?;
                }
                self.set_connection_faults(
                    *broker,
                    ConnectionFaults {
                        latency_ms: *latency_ms,
                        drop_after_append: *drop_after_append,
                        stall: *stall,
                    },
                );
            }
            Action::CreateTopic {
                name,
                partitions,
                replication_factor,
            } => self
                .create_topic(name, *partitions, *replication_factor)
                .map_err(|e| ControlError::Invalid(e.to_string()))?,
        }
        tracing::info!(action = ?action, changed = out.changed, "control action applied");
        Ok(out)
    }

    fn check_broker(&self, id: BrokerId) -> Result<(), ControlError> {
        if self.with_cluster(|c| c.broker(id).is_some()) {
            Ok(())
        } else {
            Err(ControlError::Invalid(format!("no broker {id}")))
        }
    }

    /// A snapshot of brokers, partitions (leader, ISR, high watermark, log-end offsets),
    /// pending faults and counters.
    pub fn state(&self) -> State {
        let faults = self.connection_faults();
        let server = self.server_stats();
        self.with_cluster(|c| {
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
                stats: c.stats(),
                injected_errors: c.faults.injected,
                server,
            }
        })
    }
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
    /// Model counters.
    pub stats: Stats,
    /// Errors injected so far.
    pub injected_errors: u64,
    /// Server counters.
    pub server: ServerStats,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_parse() {
        let api = |s: &str| NameOrCode::Name(s.into()).api_key();
        assert_eq!(api("produce"), Ok(ApiKey::PRODUCE));
        assert_eq!(api("ListOffsets"), Ok(ApiKey::LIST_OFFSETS));
        assert_eq!(api("init_producer_id"), Ok(ApiKey::INIT_PRODUCER_ID));
        assert!(api("nope").is_err());
        let err = |s: &str| NameOrCode::Name(s.into()).error_code();
        assert_eq!(
            err("NOT_LEADER_OR_FOLLOWER"),
            Ok(ErrorCode::NotLeaderOrFollower)
        );
        assert_eq!(err("request_timed_out"), Ok(ErrorCode::RequestTimedOut));
        assert_eq!(
            NameOrCode::Code(19).error_code(),
            Ok(ErrorCode::NotEnoughReplicas)
        );
    }

    #[test]
    fn actions_round_trip_through_json() {
        let a: Action = serde_json::from_str(
            r#"{"action":"inject","api":"produce","error":"NOT_LEADER_OR_FOLLOWER","count":3,"topic":"t","partition":1}"#,
        )
        .unwrap();
        assert_eq!(a.name(), "inject");
        let a: Action =
            serde_json::from_str(r#"{"action":"move_leader","topic":"t","partition":0}"#).unwrap();
        assert_eq!(
            a,
            Action::MoveLeader {
                topic: "t".into(),
                partition: 0,
                to: None
            }
        );
        assert!(serde_json::from_str::<Action>(r#"{"action":"broker_down","brokr":1}"#).is_err());
        let s = serde_json::to_string(&Action::BrokerUp { broker: 2 }).unwrap();
        assert_eq!(s, r#"{"action":"broker_up","broker":2}"#);
    }
}
