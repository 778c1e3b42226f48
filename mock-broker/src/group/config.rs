//! The group coordinator's configuration, with Kafka's names and defaults.

use serde::{Deserialize, Serialize};

/// What shapes the group coordinator. Defaults are Kafka 4.x's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupConfig {
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an empty classic
    /// group waits for more members (extended by each new member, up to the rebalance timeout).
    /// Kafka 4.x's coordinator keeps it, at 3000; tests usually want 0.
    pub initial_rebalance_delay_ms: u64,
    /// `group.min.session.timeout.ms`: lowest session timeout a JoinGroup may ask for.
    pub min_session_timeout_ms: i32,
    /// `group.max.session.timeout.ms`: highest session timeout a JoinGroup may ask for.
    pub max_session_timeout_ms: i32,
    /// `group.max.size`: most members of a classic group.
    pub max_size: usize,
    /// How long a new classic member's JoinGroup may stay parked before the member is dropped
    /// (Kafka's fixed 5 minutes; not a broker config there).
    pub new_member_join_timeout_ms: u64,
    /// `offsets.retention.minutes` in milliseconds: how long the offsets of a group stay after
    /// it became empty (or after the commit, for simple groups).
    pub offsets_retention_ms: u64,
    /// `offsets.retention.check.interval.ms`: how often expired offsets are removed.
    pub offsets_retention_check_interval_ms: u64,
    /// `offset.metadata.max.bytes`: longest metadata string of a commit.
    pub offset_metadata_max_bytes: usize,
    /// `group.consumer.session.timeout.ms` (KIP-848 groups).
    pub consumer_session_timeout_ms: u64,
    /// `group.consumer.min.session.timeout.ms`: lowest session timeout of KIP-848 groups (Kafka
    /// refuses a `group.consumer.session.timeout.ms` below it; the mock describes it).
    pub consumer_min_session_timeout_ms: u64,
    /// `group.consumer.heartbeat.interval.ms` (KIP-848 groups).
    pub consumer_heartbeat_interval_ms: i32,
    /// `group.consumer.max.size`: most members of a KIP-848 group.
    pub consumer_max_size: usize,
    /// `group.consumer.assignors`: server-side assignors; the first is the default.
    pub consumer_assignors: Vec<String>,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            initial_rebalance_delay_ms: 3_000,
            min_session_timeout_ms: 6_000,
            max_session_timeout_ms: 1_800_000,
            max_size: usize::MAX,
            new_member_join_timeout_ms: 300_000,
            offsets_retention_ms: 7 * 24 * 60 * 60 * 1000,
            offsets_retention_check_interval_ms: 600_000,
            offset_metadata_max_bytes: 4096,
            consumer_session_timeout_ms: 45_000,
            consumer_min_session_timeout_ms: 45_000,
            consumer_heartbeat_interval_ms: 5_000,
            consumer_max_size: usize::MAX,
            consumer_assignors: vec!["uniform".to_owned(), "range".to_owned()],
        }
    }
}
