//! OffsetDelete (key 47): delete a group's committed offsets of some partitions (the group must
//! not be subscribed to their topics).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for OffsetDeleteRequest {
    type Response = OffsetDeleteResponse;
}

kafka_message! {
    /// OffsetDeleteRequest (api key 47).
    pub struct OffsetDeleteRequest: Request(api_key = ApiKey::OFFSET_DELETE, versions = "0", flexible = "none") {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Topics ([]OffsetDeleteRequestTopic, v0+).
        pub topics: Vec<OffsetDeleteRequestTopic> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset delete request topic (in OffsetDeleteRequest).
    pub struct OffsetDeleteRequestTopic {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]OffsetDeleteRequestPartition, v0+).
        pub partitions: Vec<OffsetDeleteRequestPartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset delete request partition (in OffsetDeleteRequestTopic).
    pub struct OffsetDeleteRequestPartition {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
    }
}

kafka_message! {
    /// OffsetDeleteResponse (api key 47).
    pub struct OffsetDeleteResponse: Response(api_key = ApiKey::OFFSET_DELETE, versions = "0", flexible = "none") {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+", ignorable = true],
        /// Topics ([]OffsetDeleteResponseTopic, v0+).
        pub topics: Vec<OffsetDeleteResponseTopic> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset delete response topic (in OffsetDeleteResponse).
    pub struct OffsetDeleteResponseTopic {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]OffsetDeleteResponsePartition, v0+).
        pub partitions: Vec<OffsetDeleteResponsePartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset delete response partition (in OffsetDeleteResponseTopic).
    pub struct OffsetDeleteResponsePartition {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
    }
}
