//! CreateTopics (key 19): create topics with a partition count and replication factor or an
//! explicit replica assignment, and topic configs; `validate_only` checks without creating.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for CreateTopicsRequest {
    type Response = CreateTopicsResponse;
}

kafka_message! {
    /// CreateTopicsRequest (api key 19).
    pub struct CreateTopicsRequest: Request(api_key = ApiKey::CREATE_TOPICS, versions = "2-7", flexible = "5+") {
        /// Topics ([]CreatableTopic, v0+).
        pub topics: Vec<CreatableTopic> [versions = "0+"],
        /// Timeout in milliseconds (int32, v0+).
        pub timeout_ms: i32 [versions = "0+"] = 60000,
        /// Validate only (bool, v1+).
        pub validate_only: bool [versions = "1+"],
    }
}

kafka_struct! {
    /// Creatable topic (in CreateTopicsRequest).
    pub struct CreatableTopic {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Num partitions (int32, v0+).
        pub num_partitions: i32 [versions = "0+"],
        /// Replication factor (int16, v0+).
        pub replication_factor: i16 [versions = "0+"],
        /// Assignments ([]CreatableReplicaAssignment, v0+).
        pub assignments: Vec<CreatableReplicaAssignment> [versions = "0+"],
        /// Configs ([]CreatableTopicConfig, v0+).
        pub configs: Vec<CreatableTopicConfig> [versions = "0+"],
    }
}

kafka_struct! {
    /// Creatable replica assignment (in CreatableTopic).
    pub struct CreatableReplicaAssignment {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Broker ids ([]int32, v0+).
        pub broker_ids: Vec<i32> [versions = "0+"],
    }
}

kafka_struct! {
    /// Creatable topic config (in CreatableTopic).
    pub struct CreatableTopicConfig {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Value (string, v0+).
        pub value: Option<String> [versions = "0+", nullable = "0+"],
    }
}

kafka_message! {
    /// CreateTopicsResponse (api key 19).
    pub struct CreateTopicsResponse: Response(api_key = ApiKey::CREATE_TOPICS, versions = "2-7", flexible = "5+") {
        /// Throttle time in milliseconds (int32, v2+).
        pub throttle_time_ms: i32 [versions = "2+", ignorable = true],
        /// Topics ([]CreatableTopicResult, v0+).
        pub topics: Vec<CreatableTopicResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Creatable topic result (in CreateTopicsResponse).
    pub struct CreatableTopicResult {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Topic id (uuid, v7+).
        pub topic_id: Uuid [versions = "7+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v1+).
        pub error_message: Option<String> [versions = "1+", nullable = "0+", ignorable = true],
        /// Topic config error code (int16, v5+).
        pub topic_config_error_code: ErrorCode [versions = "5+", tag = 0, ignorable = true],
        /// Num partitions (int32, v5+).
        pub num_partitions: i32 [versions = "5+", ignorable = true] = -1,
        /// Replication factor (int16, v5+).
        pub replication_factor: i16 [versions = "5+", ignorable = true] = -1,
        /// Configs ([]CreatableTopicConfigs, v5+).
        pub configs: Option<Vec<CreatableTopicConfigs>> [versions = "5+", nullable = "5+", ignorable = true],
    }
}

kafka_struct! {
    /// Creatable topic configs (in CreatableTopicResult).
    pub struct CreatableTopicConfigs {
        /// Name (string, v5+).
        pub name: String [versions = "5+"],
        /// Value (string, v5+).
        pub value: Option<String> [versions = "5+", nullable = "5+"],
        /// Read only (bool, v5+).
        pub read_only: bool [versions = "5+"],
        /// Config source (int8, v5+).
        pub config_source: i8 [versions = "5+", ignorable = true] = -1,
        /// Is sensitive (bool, v5+).
        pub is_sensitive: bool [versions = "5+"],
    }
}
