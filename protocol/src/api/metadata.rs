//! Metadata (key 3): brokers, topics, partitions, leaders, replicas and ISR.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for MetadataRequest {
    type Response = MetadataResponse;
}

kafka_message! {
    /// MetadataRequest (api key 3).
    pub struct MetadataRequest: Request(api_key = ApiKey::METADATA, versions = "0-13", flexible = "9+") {
        /// Topics ([]MetadataRequestTopic, v0+).
        pub topics: Option<Vec<MetadataRequestTopic>> [versions = "0+", nullable = "1+"],
        /// Allow auto topic creation (bool, v4+).
        pub allow_auto_topic_creation: bool [versions = "4+"] = true,
        /// Include cluster authorized operations (bool, v8-10).
        pub include_cluster_authorized_operations: bool [versions = "8-10"],
        /// Include topic authorized operations (bool, v8+).
        pub include_topic_authorized_operations: bool [versions = "8+"],
    }
}

kafka_struct! {
    /// Metadata request topic (in MetadataRequest).
    pub struct MetadataRequestTopic {
        /// Topic id (uuid, v10+).
        pub topic_id: Uuid [versions = "10+", ignorable = true],
        /// Name (string, v0+).
        pub name: Option<String> [versions = "0+", nullable = "10+"],
    }
}

kafka_message! {
    /// MetadataResponse (api key 3).
    pub struct MetadataResponse: Response(api_key = ApiKey::METADATA, versions = "0-13", flexible = "9+") {
        /// Throttle time in milliseconds (int32, v3+).
        pub throttle_time_ms: i32 [versions = "3+", ignorable = true],
        /// Brokers ([]MetadataResponseBroker, v0+).
        pub brokers: Vec<MetadataResponseBroker> [versions = "0+"],
        /// Cluster id (string, v2+).
        pub cluster_id: Option<String> [versions = "2+", nullable = "2+", ignorable = true],
        /// Controller id (int32, v1+).
        pub controller_id: i32 [versions = "1+", ignorable = true] = -1,
        /// Topics ([]MetadataResponseTopic, v0+).
        pub topics: Vec<MetadataResponseTopic> [versions = "0+"],
        /// Cluster authorized operations (int32, v8-10).
        pub cluster_authorized_operations: i32 [versions = "8-10"] = -2147483648,
        /// Error code (int16, v13+).
        pub error_code: ErrorCode [versions = "13+", ignorable = true],
    }
}

kafka_struct! {
    /// Metadata response broker (in MetadataResponse).
    pub struct MetadataResponseBroker {
        /// Node id (int32, v0+).
        pub node_id: i32 [versions = "0+"],
        /// Host (string, v0+).
        pub host: String [versions = "0+"],
        /// Port (int32, v0+).
        pub port: i32 [versions = "0+"],
        /// Rack (string, v1+).
        pub rack: Option<String> [versions = "1+", nullable = "1+", ignorable = true],
    }
}

kafka_struct! {
    /// Metadata response topic (in MetadataResponse).
    pub struct MetadataResponseTopic {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Name (string, v0+).
        pub name: Option<String> [versions = "0+", nullable = "12+"],
        /// Topic id (uuid, v10+).
        pub topic_id: Uuid [versions = "10+", ignorable = true],
        /// Is internal (bool, v1+).
        pub is_internal: bool [versions = "1+", ignorable = true],
        /// Partitions ([]MetadataResponsePartition, v0+).
        pub partitions: Vec<MetadataResponsePartition> [versions = "0+"],
        /// Topic authorized operations (int32, v8+).
        pub topic_authorized_operations: i32 [versions = "8+"] = -2147483648,
    }
}

kafka_struct! {
    /// Metadata response partition (in MetadataResponseTopic).
    pub struct MetadataResponsePartition {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Leader id (int32, v0+).
        pub leader_id: i32 [versions = "0+"],
        /// Leader epoch (int32, v7+).
        pub leader_epoch: i32 [versions = "7+", ignorable = true] = -1,
        /// Replica nodes ([]int32, v0+).
        pub replica_nodes: Vec<i32> [versions = "0+"],
        /// Isr nodes ([]int32, v0+).
        pub isr_nodes: Vec<i32> [versions = "0+"],
        /// Offline replicas ([]int32, v5+).
        pub offline_replicas: Vec<i32> [versions = "5+", ignorable = true],
    }
}
