//! Fetch (key 1): read record batches from partitions (consumers and followers).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use bytes::Bytes;
use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for FetchRequest {
    type Response = FetchResponse;
}

kafka_message! {
    /// FetchRequest (api key 1).
    pub struct FetchRequest: Request(api_key = ApiKey::FETCH, versions = "4-18", flexible = "12+") {
        /// Cluster id (string, v12+).
        pub cluster_id: Option<String> [versions = "12+", nullable = "12+", tag = 0, ignorable = true],
        /// Replica id (int32, v0-14).
        pub replica_id: i32 [versions = "0-14"] = -1,
        /// Replica state (ReplicaState, v15+).
        pub replica_state: ReplicaState [versions = "15+", tag = 1],
        /// Max wait in milliseconds (int32, v0+).
        pub max_wait_ms: i32 [versions = "0+"],
        /// Min bytes (int32, v0+).
        pub min_bytes: i32 [versions = "0+"],
        /// Max bytes (int32, v3+).
        pub max_bytes: i32 [versions = "3+", ignorable = true] = 0x7fffffffu64 as i32,
        /// Isolation level (int8, v4+).
        pub isolation_level: i8 [versions = "4+", ignorable = true],
        /// Session id (int32, v7+).
        pub session_id: i32 [versions = "7+", ignorable = true],
        /// Session epoch (int32, v7+).
        pub session_epoch: i32 [versions = "7+", ignorable = true] = -1,
        /// Topics ([]FetchTopic, v0+).
        pub topics: Vec<FetchTopic> [versions = "0+"],
        /// Forgotten topics data ([]ForgottenTopic, v7+).
        pub forgotten_topics_data: Vec<ForgottenTopic> [versions = "7+"],
        /// Rack id (string, v11+).
        pub rack_id: String [versions = "11+", ignorable = true],
    }
}

kafka_struct! {
    /// Replica state (in FetchRequest).
    pub struct ReplicaState {
        /// Replica id (int32, v15+).
        pub replica_id: i32 [versions = "15+"] = -1,
        /// Replica epoch (int64, v15+).
        pub replica_epoch: i64 [versions = "15+"] = -1,
    }
}

kafka_struct! {
    /// Fetch topic (in FetchRequest).
    pub struct FetchTopic {
        /// Topic (string, v0-12).
        pub topic: String [versions = "0-12", ignorable = true],
        /// Topic id (uuid, v13+).
        pub topic_id: Uuid [versions = "13+", ignorable = true],
        /// Partitions ([]FetchPartition, v0+).
        pub partitions: Vec<FetchPartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Forgotten topic (in FetchRequest).
    pub struct ForgottenTopic {
        /// Topic (string, v7-12).
        pub topic: String [versions = "7-12", ignorable = true],
        /// Topic id (uuid, v13+).
        pub topic_id: Uuid [versions = "13+", ignorable = true],
        /// Partitions ([]int32, v7+).
        pub partitions: Vec<i32> [versions = "7+"],
    }
}

kafka_struct! {
    /// Fetch partition (in FetchTopic).
    pub struct FetchPartition {
        /// Partition (int32, v0+).
        pub partition: i32 [versions = "0+"],
        /// Current leader epoch (int32, v9+).
        pub current_leader_epoch: i32 [versions = "9+", ignorable = true] = -1,
        /// Fetch offset (int64, v0+).
        pub fetch_offset: i64 [versions = "0+"],
        /// Last fetched epoch (int32, v12+).
        pub last_fetched_epoch: i32 [versions = "12+"] = -1,
        /// Log start offset (int64, v5+).
        pub log_start_offset: i64 [versions = "5+", ignorable = true] = -1,
        /// Partition max bytes (int32, v0+).
        pub partition_max_bytes: i32 [versions = "0+"],
        /// Replica directory id (uuid, v17+).
        pub replica_directory_id: Uuid [versions = "17+", tag = 0, ignorable = true],
        /// High watermark (int64, v18+).
        pub high_watermark: i64 [versions = "18+", tag = 1, ignorable = true] = 9223372036854775807,
    }
}

kafka_message! {
    /// FetchResponse (api key 1).
    pub struct FetchResponse: Response(api_key = ApiKey::FETCH, versions = "4-18", flexible = "12+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Error code (int16, v7+).
        pub error_code: ErrorCode [versions = "7+", ignorable = true],
        /// Session id (int32, v7+).
        pub session_id: i32 [versions = "7+"],
        /// Responses ([]FetchableTopicResponse, v0+).
        pub responses: Vec<FetchableTopicResponse> [versions = "0+"],
        /// Node endpoints ([]NodeEndpoint, v16+).
        pub node_endpoints: Vec<NodeEndpoint> [versions = "16+", tag = 0],
    }
}

kafka_struct! {
    /// Fetchable topic response (in FetchResponse).
    pub struct FetchableTopicResponse {
        /// Topic (string, v0-12).
        pub topic: String [versions = "0-12", ignorable = true],
        /// Topic id (uuid, v13+).
        pub topic_id: Uuid [versions = "13+", ignorable = true],
        /// Partitions ([]PartitionData, v0+).
        pub partitions: Vec<PartitionData> [versions = "0+"],
    }
}

kafka_struct! {
    /// Node endpoint (in FetchResponse).
    pub struct NodeEndpoint {
        /// Node id (int32, v16+).
        pub node_id: i32 [versions = "16+"],
        /// Host (string, v16+).
        pub host: String [versions = "16+"],
        /// Port (int32, v16+).
        pub port: i32 [versions = "16+"],
        /// Rack (string, v16+).
        pub rack: Option<String> [versions = "16+", nullable = "16+"],
    }
}

kafka_struct! {
    /// Partition data (in FetchableTopicResponse).
    pub struct PartitionData {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// High watermark (int64, v0+).
        pub high_watermark: i64 [versions = "0+"],
        /// Last stable offset (int64, v4+).
        pub last_stable_offset: i64 [versions = "4+", ignorable = true] = -1,
        /// Log start offset (int64, v5+).
        pub log_start_offset: i64 [versions = "5+", ignorable = true] = -1,
        /// Diverging epoch (EpochEndOffset, v12+).
        pub diverging_epoch: EpochEndOffset [versions = "12+", tag = 0],
        /// Current leader (LeaderIdAndEpoch, v12+).
        pub current_leader: LeaderIdAndEpoch [versions = "12+", tag = 1],
        /// Snapshot id (SnapshotId, v12+).
        pub snapshot_id: SnapshotId [versions = "12+", tag = 2],
        /// Aborted transactions ([]AbortedTransaction, v4+).
        pub aborted_transactions: Option<Vec<AbortedTransaction>> [versions = "4+", nullable = "4+", ignorable = true],
        /// Preferred read replica (int32, v11+).
        pub preferred_read_replica: i32 [versions = "11+"] = -1,
        /// Records (records, v0+).
        pub records: Option<Bytes> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// Epoch end offset (in PartitionData).
    pub struct EpochEndOffset {
        /// Epoch (int32, v12+).
        pub epoch: i32 [versions = "12+"] = -1,
        /// End offset (int64, v12+).
        pub end_offset: i64 [versions = "12+"] = -1,
    }
}

kafka_struct! {
    /// Leader id and epoch (in PartitionData).
    pub struct LeaderIdAndEpoch {
        /// Leader id (int32, v12+).
        pub leader_id: i32 [versions = "12+"] = -1,
        /// Leader epoch (int32, v12+).
        pub leader_epoch: i32 [versions = "12+"] = -1,
    }
}

kafka_struct! {
    /// Snapshot id (in PartitionData).
    pub struct SnapshotId {
        /// End offset (int64, v0+).
        pub end_offset: i64 [versions = "0+"] = -1,
        /// Epoch (int32, v0+).
        pub epoch: i32 [versions = "0+"] = -1,
    }
}

kafka_struct! {
    /// Aborted transaction (in PartitionData).
    pub struct AbortedTransaction {
        /// Producer id (int64, v4+).
        pub producer_id: i64 [versions = "4+"],
        /// First offset (int64, v4+).
        pub first_offset: i64 [versions = "4+"],
    }
}
