//! DeleteTopics (key 20): delete topics by name, or (v6+) by name or topic id.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DeleteTopicsRequest {
    type Response = DeleteTopicsResponse;
}

kafka_message! {
    /// DeleteTopicsRequest (api key 20).
    pub struct DeleteTopicsRequest: Request(api_key = ApiKey::DELETE_TOPICS, versions = "1-6", flexible = "4+") {
        /// Topics ([]DeleteTopicState, v6+).
        pub topics: Vec<DeleteTopicState> [versions = "6+"],
        /// Topic names ([]string, v0-5).
        pub topic_names: Vec<String> [versions = "0-5", ignorable = true],
        /// Timeout in milliseconds (int32, v0+).
        pub timeout_ms: i32 [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete topic state (in DeleteTopicsRequest).
    pub struct DeleteTopicState {
        /// Name (string, v6+).
        pub name: Option<String> [versions = "6+", nullable = "6+"],
        /// Topic id (uuid, v6+).
        pub topic_id: Uuid [versions = "6+"],
    }
}

kafka_message! {
    /// DeleteTopicsResponse (api key 20).
    pub struct DeleteTopicsResponse: Response(api_key = ApiKey::DELETE_TOPICS, versions = "1-6", flexible = "4+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Responses ([]DeletableTopicResult, v0+).
        pub responses: Vec<DeletableTopicResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Deletable topic result (in DeleteTopicsResponse).
    pub struct DeletableTopicResult {
        /// Name (string, v0+).
        pub name: Option<String> [versions = "0+", nullable = "6+"],
        /// Topic id (uuid, v6+).
        pub topic_id: Uuid [versions = "6+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v5+).
        pub error_message: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
    }
}
