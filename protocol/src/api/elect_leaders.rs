//! ElectLeaders (key 43): elect the preferred replica as leader, or, where a partition has no
//! leader, any live replica (an unclean election, KIP-460), as `kafka-leader-election.sh` asks.
//! `topic_partitions` null means every partition of the cluster; the answer then leaves out the
//! partitions whose leader was already the one asked for.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for ElectLeadersRequest {
    type Response = ElectLeadersResponse;
}

/// `election_type` 0: the preferred replica (the first of the assignment), if it is alive and
/// in sync. The only kind v0 knows.
pub const ELECTION_PREFERRED: i8 = 0;
/// `election_type` 1: for a partition without a leader, the first live replica, in sync or not.
pub const ELECTION_UNCLEAN: i8 = 1;

kafka_message! {
    /// ElectLeadersRequest (api key 43).
    pub struct ElectLeadersRequest: Request(api_key = ApiKey::ELECT_LEADERS, versions = "0-2", flexible = "2+") {
        /// Election type (int8, v1+): [`ELECTION_PREFERRED`] or [`ELECTION_UNCLEAN`]; v0 elects the preferred replica.
        pub election_type: i8 [versions = "1+"],
        /// The partitions to elect leaders for ([]TopicPartitions, v0+); null: every partition.
        pub topic_partitions: Option<Vec<TopicPartitions>> [versions = "0+", nullable = "0+"],
        /// Timeout in milliseconds (int32, v0+).
        pub timeout_ms: i32 [versions = "0+"] = 60000,
    }
}

kafka_struct! {
    /// Topic partitions (in ElectLeadersRequest).
    pub struct TopicPartitions {
        /// Topic (string, v0+).
        pub topic: String [versions = "0+"],
        /// Partitions ([]int32, v0+).
        pub partitions: Vec<i32> [versions = "0+"],
    }
}

kafka_message! {
    /// ElectLeadersResponse (api key 43).
    pub struct ElectLeadersResponse: Response(api_key = ApiKey::ELECT_LEADERS, versions = "0-2", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Error code (int16, v1+).
        pub error_code: ErrorCode [versions = "1+"],
        /// Replica election results ([]ReplicaElectionResult, v0+).
        pub replica_election_results: Vec<ReplicaElectionResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Replica election result (in ElectLeadersResponse).
    pub struct ReplicaElectionResult {
        /// Topic (string, v0+).
        pub topic: String [versions = "0+"],
        /// Partition result ([]PartitionResult, v0+).
        pub partition_result: Vec<PartitionResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Partition result (in ReplicaElectionResult).
    pub struct PartitionResult {
        /// Partition id (int32, v0+).
        pub partition_id: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
    }
}
