//! Produce (key 0): write record batches to partition leaders. With acks=0 the broker sends no response at all.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use bytes::Bytes;
use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for ProduceRequest {
    type Response = ProduceResponse;
}

kafka_message! {
    /// ProduceRequest (api key 0).
    pub struct ProduceRequest: Request(api_key = ApiKey::PRODUCE, versions = "3-13", flexible = "9+") {
        /// Transactional id (string, v3+).
        pub transactional_id: Option<String> [versions = "3+", nullable = "3+"],
        /// Acks (int16, v0+).
        pub acks: i16 [versions = "0+"],
        /// Timeout in milliseconds (int32, v0+).
        pub timeout_ms: i32 [versions = "0+"],
        /// Topic data ([]TopicProduceData, v0+).
        pub topic_data: Vec<TopicProduceData> [versions = "0+"],
    }
}

kafka_struct! {
    /// Topic produce data (in ProduceRequest).
    pub struct TopicProduceData {
        /// Name (string, v0-12).
        pub name: String [versions = "0-12", ignorable = true],
        /// Topic id (uuid, v13+).
        pub topic_id: Uuid [versions = "13+", ignorable = true],
        /// Partition data ([]PartitionProduceData, v0+).
        pub partition_data: Vec<PartitionProduceData> [versions = "0+"],
    }
}

kafka_struct! {
    /// Partition produce data (in TopicProduceData).
    pub struct PartitionProduceData {
        /// Index (int32, v0+).
        pub index: i32 [versions = "0+"],
        /// Records (records, v0+).
        pub records: Option<Bytes> [versions = "0+", nullable = "0+"],
    }
}

kafka_message! {
    /// ProduceResponse (api key 0).
    pub struct ProduceResponse: Response(api_key = ApiKey::PRODUCE, versions = "3-13", flexible = "9+") {
        /// Responses ([]TopicProduceResponse, v0+).
        pub responses: Vec<TopicProduceResponse> [versions = "0+"],
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Node endpoints ([]NodeEndpoint, v10+).
        pub node_endpoints: Vec<NodeEndpoint> [versions = "10+", tag = 0],
    }
}

kafka_struct! {
    /// Topic produce response (in ProduceResponse).
    pub struct TopicProduceResponse {
        /// Name (string, v0-12).
        pub name: String [versions = "0-12", ignorable = true],
        /// Topic id (uuid, v13+).
        pub topic_id: Uuid [versions = "13+", ignorable = true],
        /// Partition responses ([]PartitionProduceResponse, v0+).
        pub partition_responses: Vec<PartitionProduceResponse> [versions = "0+"],
    }
}

kafka_struct! {
    /// Node endpoint (in ProduceResponse).
    pub struct NodeEndpoint {
        /// Node id (int32, v10+).
        pub node_id: i32 [versions = "10+"],
        /// Host (string, v10+).
        pub host: String [versions = "10+"],
        /// Port (int32, v10+).
        pub port: i32 [versions = "10+"],
        /// Rack (string, v10+).
        pub rack: Option<String> [versions = "10+", nullable = "10+"],
    }
}

kafka_struct! {
    /// Partition produce response (in TopicProduceResponse).
    pub struct PartitionProduceResponse {
        /// Index (int32, v0+).
        pub index: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Base offset (int64, v0+).
        pub base_offset: i64 [versions = "0+"],
        /// Log append time in milliseconds (int64, v2+).
        pub log_append_time_ms: i64 [versions = "2+", ignorable = true] = -1,
        /// Log start offset (int64, v5+).
        pub log_start_offset: i64 [versions = "5+", ignorable = true] = -1,
        /// Record errors ([]BatchIndexAndErrorMessage, v8+).
        pub record_errors: Vec<BatchIndexAndErrorMessage> [versions = "8+", ignorable = true],
        /// Error message (string, v8+).
        pub error_message: Option<String> [versions = "8+", nullable = "8+", ignorable = true],
        /// Current leader (LeaderIdAndEpoch, v10+).
        pub current_leader: LeaderIdAndEpoch [versions = "10+", tag = 0],
    }
}

kafka_struct! {
    /// Batch index and error message (in PartitionProduceResponse).
    pub struct BatchIndexAndErrorMessage {
        /// Batch index (int32, v8+).
        pub batch_index: i32 [versions = "8+"],
        /// Batch index error message (string, v8+).
        pub batch_index_error_message: Option<String> [versions = "8+", nullable = "8+"],
    }
}

kafka_struct! {
    /// Leader id and epoch (in PartitionProduceResponse).
    pub struct LeaderIdAndEpoch {
        /// Leader id (int32, v10+).
        pub leader_id: i32 [versions = "10+"] = -1,
        /// Leader epoch (int32, v10+).
        pub leader_epoch: i32 [versions = "10+"] = -1,
    }
}
