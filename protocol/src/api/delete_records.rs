//! DeleteRecords (key 21): move the log start offset of partitions forward, deleting the
//! records before it.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DeleteRecordsRequest {
    type Response = DeleteRecordsResponse;
}

kafka_message! {
    /// DeleteRecordsRequest (api key 21).
    pub struct DeleteRecordsRequest: Request(api_key = ApiKey::DELETE_RECORDS, versions = "0-2", flexible = "2+") {
        /// Topics ([]DeleteRecordsTopic, v0+).
        pub topics: Vec<DeleteRecordsTopic> [versions = "0+"],
        /// Timeout in milliseconds (int32, v0+).
        pub timeout_ms: i32 [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete records topic (in DeleteRecordsRequest).
    pub struct DeleteRecordsTopic {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]DeleteRecordsPartition, v0+).
        pub partitions: Vec<DeleteRecordsPartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete records partition (in DeleteRecordsTopic).
    pub struct DeleteRecordsPartition {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Offset (int64, v0+).
        pub offset: i64 [versions = "0+"],
    }
}

kafka_message! {
    /// DeleteRecordsResponse (api key 21).
    pub struct DeleteRecordsResponse: Response(api_key = ApiKey::DELETE_RECORDS, versions = "0-2", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Topics ([]DeleteRecordsTopicResult, v0+).
        pub topics: Vec<DeleteRecordsTopicResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete records topic result (in DeleteRecordsResponse).
    pub struct DeleteRecordsTopicResult {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]DeleteRecordsPartitionResult, v0+).
        pub partitions: Vec<DeleteRecordsPartitionResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete records partition result (in DeleteRecordsTopicResult).
    pub struct DeleteRecordsPartitionResult {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Low watermark (int64, v0+).
        pub low_watermark: i64 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
    }
}
