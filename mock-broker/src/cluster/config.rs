//! Cluster configuration, with Kafka's names where Kafka has one.

use serde::{Deserialize, Serialize};

use crate::cluster::partition::FollowerLag;

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
}
