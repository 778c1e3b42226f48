//! ListOffsets (key 2): find offsets by timestamp (earliest, latest, max timestamp...).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for ListOffsetsRequest {
    type Response = ListOffsetsResponse;
}

kafka_message! {
    /// ListOffsetsRequest (api key 2).
    pub struct ListOffsetsRequest: Request(api_key = ApiKey::LIST_OFFSETS, versions = "1-11", flexible = "6+") {
        /// Replica id (int32, v0+).
        pub replica_id: i32 [versions = "0+"],
        /// Isolation level (int8, v2+).
        pub isolation_level: i8 [versions = "2+"],
        /// Topics ([]ListOffsetsTopic, v0+).
        pub topics: Vec<ListOffsetsTopic> [versions = "0+"],
        /// Timeout in milliseconds (int32, v10+).
        pub timeout_ms: i32 [versions = "10+", ignorable = true],
    }
}

kafka_struct! {
    /// List offsets topic (in ListOffsetsRequest).
    pub struct ListOffsetsTopic {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]ListOffsetsPartition, v0+).
        pub partitions: Vec<ListOffsetsPartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// List offsets partition (in ListOffsetsTopic).
    pub struct ListOffsetsPartition {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Current leader epoch (int32, v4+).
        pub current_leader_epoch: i32 [versions = "4+", ignorable = true] = -1,
        /// Timestamp (int64, v0+).
        pub timestamp: i64 [versions = "0+"],
    }
}

kafka_message! {
    /// ListOffsetsResponse (api key 2).
    pub struct ListOffsetsResponse: Response(api_key = ApiKey::LIST_OFFSETS, versions = "1-11", flexible = "6+") {
        /// Throttle time in milliseconds (int32, v2+).
        pub throttle_time_ms: i32 [versions = "2+", ignorable = true],
        /// Topics ([]ListOffsetsTopicResponse, v0+).
        pub topics: Vec<ListOffsetsTopicResponse> [versions = "0+"],
    }
}

kafka_struct! {
    /// List offsets topic response (in ListOffsetsResponse).
    pub struct ListOffsetsTopicResponse {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]ListOffsetsPartitionResponse, v0+).
        pub partitions: Vec<ListOffsetsPartitionResponse> [versions = "0+"],
    }
}

kafka_struct! {
    /// List offsets partition response (in ListOffsetsTopicResponse).
    pub struct ListOffsetsPartitionResponse {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Timestamp (int64, v1+).
        pub timestamp: i64 [versions = "1+"] = -1,
        /// Offset (int64, v1+).
        pub offset: i64 [versions = "1+"] = -1,
        /// Leader epoch (int32, v4+).
        pub leader_epoch: i32 [versions = "4+"] = -1,
    }
}
