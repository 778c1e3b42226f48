//! DescribeProducers (key 61): the idempotent and transactional producers a partition replica
//! holds state for (KIP-664), as `kafka-transactions.sh describe-producers` lists them. Any
//! replica answers, the leader or a follower; `coordinator_epoch` and
//! `current_txn_start_offset` are -1 for a producer with no transaction under way.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeProducersRequest {
    type Response = DescribeProducersResponse;
}

kafka_message! {
    /// DescribeProducersRequest (api key 61).
    pub struct DescribeProducersRequest: Request(api_key = ApiKey::DESCRIBE_PRODUCERS, versions = "0", flexible = "0+") {
        /// Topics ([]TopicRequest, v0+).
        pub topics: Vec<TopicRequest> [versions = "0+"],
    }
}

kafka_struct! {
    /// Topic request (in DescribeProducersRequest).
    pub struct TopicRequest {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partition indexes ([]int32, v0+).
        pub partition_indexes: Vec<i32> [versions = "0+"],
    }
}

kafka_message! {
    /// DescribeProducersResponse (api key 61).
    pub struct DescribeProducersResponse: Response(api_key = ApiKey::DESCRIBE_PRODUCERS, versions = "0", flexible = "0+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Topics ([]TopicResponse, v0+).
        pub topics: Vec<TopicResponse> [versions = "0+"],
    }
}

kafka_struct! {
    /// Topic response (in DescribeProducersResponse).
    pub struct TopicResponse {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]PartitionResponse, v0+).
        pub partitions: Vec<PartitionResponse> [versions = "0+"],
    }
}

kafka_struct! {
    /// Partition response (in TopicResponse).
    pub struct PartitionResponse {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Active producers ([]ProducerState, v0+).
        pub active_producers: Vec<ProducerState> [versions = "0+"],
    }
}

kafka_struct! {
    /// Producer state (in PartitionResponse).
    pub struct ProducerState {
        /// Producer id (int64, v0+).
        pub producer_id: i64 [versions = "0+"],
        /// Producer epoch (int32, v0+).
        pub producer_epoch: i32 [versions = "0+"],
        /// Last sequence (int32, v0+).
        pub last_sequence: i32 [versions = "0+"] = -1,
        /// Last timestamp (int64, v0+).
        pub last_timestamp: i64 [versions = "0+"] = -1,
        /// Coordinator epoch (int32, v0+).
        pub coordinator_epoch: i32 [versions = "0+"],
        /// Current txn start offset (int64, v0+).
        pub current_txn_start_offset: i64 [versions = "0+"] = -1,
    }
}
