//! CreatePartitions (key 37): raise the partition count of existing topics, optionally with
//! the replicas of the new partitions.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for CreatePartitionsRequest {
    type Response = CreatePartitionsResponse;
}

kafka_message! {
    /// CreatePartitionsRequest (api key 37).
    pub struct CreatePartitionsRequest: Request(api_key = ApiKey::CREATE_PARTITIONS, versions = "0-3", flexible = "2+") {
        /// Topics ([]CreatePartitionsTopic, v0+).
        pub topics: Vec<CreatePartitionsTopic> [versions = "0+"],
        /// Timeout in milliseconds (int32, v0+).
        pub timeout_ms: i32 [versions = "0+"],
        /// Validate only (bool, v0+).
        pub validate_only: bool [versions = "0+"],
    }
}

kafka_struct! {
    /// Create partitions topic (in CreatePartitionsRequest).
    pub struct CreatePartitionsTopic {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Count (int32, v0+).
        pub count: i32 [versions = "0+"],
        /// Assignments ([]CreatePartitionsAssignment, v0+).
        pub assignments: Option<Vec<CreatePartitionsAssignment>> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// Create partitions assignment (in CreatePartitionsTopic).
    pub struct CreatePartitionsAssignment {
        /// Broker ids ([]int32, v0+).
        pub broker_ids: Vec<i32> [versions = "0+"],
    }
}

kafka_message! {
    /// CreatePartitionsResponse (api key 37).
    pub struct CreatePartitionsResponse: Response(api_key = ApiKey::CREATE_PARTITIONS, versions = "0-3", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Results ([]CreatePartitionsTopicResult, v0+).
        pub results: Vec<CreatePartitionsTopicResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Create partitions topic result (in CreatePartitionsResponse).
    pub struct CreatePartitionsTopicResult {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
    }
}
