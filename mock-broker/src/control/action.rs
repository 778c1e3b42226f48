//! The vocabulary of faults: one JSON object per [`Action`], the same in the Rust API
//! ([`super::Controller::apply`]), scenario files and the HTTP endpoint.

use std::collections::BTreeMap;

use kwire_protocol::{ApiKey, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::cluster::{AlterOp, BrokerId, ConfigChange};

/// Why an action could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The cluster refused it (unknown partition, no eligible leader, invalid config, ...),
    /// with Kafka's error for it.
    #[error("{action}: {error}{}{message}", if message.is_empty() { "" } else { ": " })]
    Refused {
        /// The action's name.
        action: &'static str,
        /// Kafka's error for it.
        error: ErrorCode,
        /// Why, when the model says more than the error code ("" otherwise).
        message: String,
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

fn minus_one() -> i64 {
    -1
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
    /// for one partition, or for one consumer group.
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
        /// Only requests about this consumer group (the group APIs, FindCoordinator).
        #[serde(default)]
        group: Option<String>,
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
    /// Create a topic, with Kafka's checks (CreateTopics'), its configs overriding the broker's.
    CreateTopic {
        /// Name.
        name: String,
        /// Partitions.
        partitions: i32,
        /// Replication factor.
        replication_factor: i16,
        /// Topic configs (`retention.ms`, `min.insync.replicas`, ...).
        #[serde(default)]
        configs: BTreeMap<String, String>,
    },
    /// Delete a topic (as DeleteTopics does).
    DeleteTopic {
        /// Name.
        name: String,
    },
    /// Grow a topic to `count` partitions (as CreatePartitions does).
    CreatePartitions {
        /// Topic.
        topic: String,
        /// The new partition count (more than it has).
        count: i32,
        /// Replicas of each new partition, preferred leader first (default: round-robin).
        #[serde(default)]
        assignment: Option<Vec<Vec<BrokerId>>>,
    },
    /// Change a topic's config overrides (as IncrementalAlterConfigs does), all or none.
    AlterTopicConfigs {
        /// Topic.
        topic: String,
        /// Configs to set.
        #[serde(default)]
        set: BTreeMap<String, String>,
        /// Overrides to remove.
        #[serde(default)]
        delete: Vec<String>,
        /// Items to add to list configs (`cleanup.policy`).
        #[serde(default)]
        append: BTreeMap<String, String>,
        /// Items to remove from list configs.
        #[serde(default)]
        subtract: BTreeMap<String, String>,
    },
    /// Change broker configs for every broker (as IncrementalAlterConfigs does), all or none.
    AlterBrokerConfigs {
        /// Configs to set.
        #[serde(default)]
        set: BTreeMap<String, String>,
        /// Configs to restore to their defaults.
        #[serde(default)]
        delete: Vec<String>,
    },
    /// Delete a partition's records below `offset` (-1: the high watermark), as
    /// DeleteRecords does on the partition's leader.
    DeleteRecords {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// The new log start offset (default -1: the high watermark).
        #[serde(default = "minus_one")]
        offset: i64,
    },
    /// SASL listeners: end every session authenticated so far on `broker` (every broker when
    /// absent) now, as if its `connections.max.reauth.ms` had run out: the next request of
    /// each such connection closes it, unless it is a SaslHandshake that re-authenticates.
    ExpireSessions {
        /// Only this broker's connections.
        #[serde(default)]
        broker: Option<BrokerId>,
    },
    /// SASL listeners: refuse the next `count` logins of `user` with `mechanism` on `broker`
    /// (any when absent) with SASL_AUTHENTICATION_FAILED, although the credentials are right.
    RejectLogins {
        /// Only logins on this broker.
        #[serde(default)]
        broker: Option<BrokerId>,
        /// The principal (the user name; an OAUTHBEARER token's subject).
        #[serde(default)]
        user: Option<String>,
        /// The mechanism, as `sasl.mechanism` names it.
        #[serde(default)]
        mechanism: Option<String>,
        /// How many logins (default 1).
        #[serde(default = "one")]
        count: u32,
    },
    /// Move a group's coordinator: the leadership of its `__consumer_offsets` partition moves
    /// to `to` (a live ISR member) or the next eligible replica.
    MoveCoordinator {
        /// The group id.
        group: String,
        /// The new coordinator.
        #[serde(default)]
        to: Option<BrokerId>,
    },
    /// Expire a group member as if its session timed out (classic and consumer groups).
    ExpireMember {
        /// The group id.
        group: String,
        /// The member id.
        member: String,
    },
    /// Start a rebalance: a classic group prepares one, a consumer group gets a new epoch.
    ForceRebalance {
        /// The group id.
        group: String,
    },
}

/// The config changes of `set`, `delete`, `append` and `subtract`, in that order.
pub(super) fn config_changes(
    set: &BTreeMap<String, String>,
    delete: &[String],
    append: &BTreeMap<String, String>,
    subtract: &BTreeMap<String, String>,
) -> Vec<ConfigChange> {
    let with = |m: &BTreeMap<String, String>, op| {
        m.iter()
            .map(move |(k, v)| ConfigChange::new(k, op, Some(v)))
            .collect::<Vec<_>>()
    };
    let mut out = with(set, AlterOp::Set);
    out.extend(
        delete
            .iter()
            .map(|k| ConfigChange::new(k, AlterOp::Delete, None)),
    );
    out.extend(with(append, AlterOp::Append));
    out.extend(with(subtract, AlterOp::Subtract));
    out
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
            Action::DeleteTopic { .. } => "delete_topic",
            Action::CreatePartitions { .. } => "create_partitions",
            Action::AlterTopicConfigs { .. } => "alter_topic_configs",
            Action::AlterBrokerConfigs { .. } => "alter_broker_configs",
            Action::DeleteRecords { .. } => "delete_records",
            Action::ExpireSessions { .. } => "expire_sessions",
            Action::RejectLogins { .. } => "reject_logins",
            Action::MoveCoordinator { .. } => "move_coordinator",
            Action::ExpireMember { .. } => "expire_member",
            Action::ForceRebalance { .. } => "force_rebalance",
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
    /// The new leader, for `move_leader` (the new coordinator for `move_coordinator`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<BrokerId>,
    /// The new log start offset, for `delete_records`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_watermark: Option<i64>,
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
