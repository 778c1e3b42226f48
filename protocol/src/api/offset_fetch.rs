//! OffsetFetch (key 9): a group's committed offsets; v8+ asks for several groups in one request,
//! v9+ with the member epoch of a KIP-848 member, v10+ by topic id.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for OffsetFetchRequest {
    type Response = OffsetFetchResponse;
}

kafka_message! {
    /// OffsetFetchRequest (api key 9).
    pub struct OffsetFetchRequest: Request(api_key = ApiKey::OFFSET_FETCH, versions = "1-10", flexible = "6+") {
        /// Group id (string, v0-7).
        pub group_id: String [versions = "0-7"],
        /// Topics ([]OffsetFetchRequestTopic, v0-7).
        pub topics: Option<Vec<OffsetFetchRequestTopic>> [versions = "0-7", nullable = "2-7"],
        /// Groups ([]OffsetFetchRequestGroup, v8+).
        pub groups: Vec<OffsetFetchRequestGroup> [versions = "8+"],
        /// Require stable (bool, v7+).
        pub require_stable: bool [versions = "7+"],
    }
}

kafka_struct! {
    /// Offset fetch request topic (in OffsetFetchRequest).
    pub struct OffsetFetchRequestTopic {
        /// Name (string, v0-7).
        pub name: String [versions = "0-7"],
        /// Partition indexes ([]int32, v0-7).
        pub partition_indexes: Vec<i32> [versions = "0-7"],
    }
}

kafka_struct! {
    /// Offset fetch request group (in OffsetFetchRequest).
    pub struct OffsetFetchRequestGroup {
        /// Group id (string, v8+).
        pub group_id: String [versions = "8+"],
        /// Member id (string, v9+).
        pub member_id: Option<String> [versions = "9+", nullable = "9+", ignorable = true],
        /// Member epoch (int32, v9+).
        pub member_epoch: i32 [versions = "9+", ignorable = true] = -1,
        /// Topics ([]OffsetFetchRequestTopics, v8+).
        pub topics: Option<Vec<OffsetFetchRequestTopics>> [versions = "8+", nullable = "8+"],
    }
}

kafka_struct! {
    /// Offset fetch request topics (in OffsetFetchRequestGroup).
    pub struct OffsetFetchRequestTopics {
        /// Name (string, v8-9).
        pub name: String [versions = "8-9", ignorable = true],
        /// Topic id (uuid, v10+).
        pub topic_id: Uuid [versions = "10+", ignorable = true],
        /// Partition indexes ([]int32, v8+).
        pub partition_indexes: Vec<i32> [versions = "8+"],
    }
}

kafka_message! {
    /// OffsetFetchResponse (api key 9).
    pub struct OffsetFetchResponse: Response(api_key = ApiKey::OFFSET_FETCH, versions = "1-10", flexible = "6+") {
        /// Throttle time in milliseconds (int32, v3+).
        pub throttle_time_ms: i32 [versions = "3+", ignorable = true],
        /// Topics ([]OffsetFetchResponseTopic, v0-7).
        pub topics: Vec<OffsetFetchResponseTopic> [versions = "0-7"],
        /// Error code (int16, v2-7).
        pub error_code: ErrorCode [versions = "2-7", ignorable = true],
        /// Groups ([]OffsetFetchResponseGroup, v8+).
        pub groups: Vec<OffsetFetchResponseGroup> [versions = "8+"],
    }
}

kafka_struct! {
    /// Offset fetch response topic (in OffsetFetchResponse).
    pub struct OffsetFetchResponseTopic {
        /// Name (string, v0-7).
        pub name: String [versions = "0-7"],
        /// Partitions ([]OffsetFetchResponsePartition, v0-7).
        pub partitions: Vec<OffsetFetchResponsePartition> [versions = "0-7"],
    }
}

kafka_struct! {
    /// Offset fetch response group (in OffsetFetchResponse).
    pub struct OffsetFetchResponseGroup {
        /// Group id (string, v8+).
        pub group_id: String [versions = "8+"],
        /// Topics ([]OffsetFetchResponseTopics, v8+).
        pub topics: Vec<OffsetFetchResponseTopics> [versions = "8+"],
        /// Error code (int16, v8+).
        pub error_code: ErrorCode [versions = "8+"],
    }
}

kafka_struct! {
    /// Offset fetch response partition (in OffsetFetchResponseTopic).
    pub struct OffsetFetchResponsePartition {
        /// Partition index (int32, v0-7).
        pub partition_index: i32 [versions = "0-7"],
        /// Committed offset (int64, v0-7).
        pub committed_offset: i64 [versions = "0-7"],
        /// Committed leader epoch (int32, v5-7).
        pub committed_leader_epoch: i32 [versions = "5-7", ignorable = true] = -1,
        /// Metadata (string, v0-7).
        pub metadata: Option<String> [versions = "0-7", nullable = "0-7"],
        /// Error code (int16, v0-7).
        pub error_code: ErrorCode [versions = "0-7"],
    }
}

kafka_struct! {
    /// Offset fetch response topics (in OffsetFetchResponseGroup).
    pub struct OffsetFetchResponseTopics {
        /// Name (string, v8-9).
        pub name: String [versions = "8-9", ignorable = true],
        /// Topic id (uuid, v10+).
        pub topic_id: Uuid [versions = "10+", ignorable = true],
        /// Partitions ([]OffsetFetchResponsePartitions, v8+).
        pub partitions: Vec<OffsetFetchResponsePartitions> [versions = "8+"],
    }
}

kafka_struct! {
    /// Offset fetch response partitions (in OffsetFetchResponseTopics).
    pub struct OffsetFetchResponsePartitions {
        /// Partition index (int32, v8+).
        pub partition_index: i32 [versions = "8+"],
        /// Committed offset (int64, v8+).
        pub committed_offset: i64 [versions = "8+"],
        /// Committed leader epoch (int32, v8+).
        pub committed_leader_epoch: i32 [versions = "8+", ignorable = true] = -1,
        /// Metadata (string, v8+).
        pub metadata: Option<String> [versions = "8+", nullable = "8+"],
        /// Error code (int16, v8+).
        pub error_code: ErrorCode [versions = "8+"],
    }
}
