//! OffsetCommit (key 8): store a group's consumed positions (offset, leader epoch, metadata) per
//! partition; fenced by generation (classic) or member epoch (KIP-848, v9+); v10+ names topics by id.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for OffsetCommitRequest {
    type Response = OffsetCommitResponse;
}

kafka_message! {
    /// OffsetCommitRequest (api key 8).
    pub struct OffsetCommitRequest: Request(api_key = ApiKey::OFFSET_COMMIT, versions = "2-10", flexible = "8+") {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Generation id or member epoch (int32, v1+).
        pub generation_id_or_member_epoch: i32 [versions = "1+", ignorable = true] = -1,
        /// Member id (string, v1+).
        pub member_id: String [versions = "1+", ignorable = true],
        /// Group instance id (string, v7+).
        pub group_instance_id: Option<String> [versions = "7+", nullable = "7+"],
        /// Retention time in milliseconds (int64, v2-4).
        pub retention_time_ms: i64 [versions = "2-4", ignorable = true] = -1,
        /// Topics ([]OffsetCommitRequestTopic, v0+).
        pub topics: Vec<OffsetCommitRequestTopic> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset commit request topic (in OffsetCommitRequest).
    pub struct OffsetCommitRequestTopic {
        /// Name (string, v0-9).
        pub name: String [versions = "0-9", ignorable = true],
        /// Topic id (uuid, v10+).
        pub topic_id: Uuid [versions = "10+", ignorable = true],
        /// Partitions ([]OffsetCommitRequestPartition, v0+).
        pub partitions: Vec<OffsetCommitRequestPartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset commit request partition (in OffsetCommitRequestTopic).
    pub struct OffsetCommitRequestPartition {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Committed offset (int64, v0+).
        pub committed_offset: i64 [versions = "0+"],
        /// Committed leader epoch (int32, v6+).
        pub committed_leader_epoch: i32 [versions = "6+", ignorable = true] = -1,
        /// Committed metadata (string, v0+).
        pub committed_metadata: Option<String> [versions = "0+", nullable = "0+"],
    }
}

kafka_message! {
    /// OffsetCommitResponse (api key 8).
    pub struct OffsetCommitResponse: Response(api_key = ApiKey::OFFSET_COMMIT, versions = "2-10", flexible = "8+") {
        /// Throttle time in milliseconds (int32, v3+).
        pub throttle_time_ms: i32 [versions = "3+", ignorable = true],
        /// Topics ([]OffsetCommitResponseTopic, v0+).
        pub topics: Vec<OffsetCommitResponseTopic> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset commit response topic (in OffsetCommitResponse).
    pub struct OffsetCommitResponseTopic {
        /// Name (string, v0-9).
        pub name: String [versions = "0-9", ignorable = true],
        /// Topic id (uuid, v10+).
        pub topic_id: Uuid [versions = "10+", ignorable = true],
        /// Partitions ([]OffsetCommitResponsePartition, v0+).
        pub partitions: Vec<OffsetCommitResponsePartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset commit response partition (in OffsetCommitResponseTopic).
    pub struct OffsetCommitResponsePartition {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
    }
}
