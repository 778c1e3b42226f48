//! DescribeCluster (key 60): the cluster id, the controller and the brokers (or, v1+, the
//! controllers) that serve the cluster (KIP-700).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeClusterRequest {
    type Response = DescribeClusterResponse;
}

kafka_message! {
    /// DescribeClusterRequest (api key 60).
    pub struct DescribeClusterRequest: Request(api_key = ApiKey::DESCRIBE_CLUSTER, versions = "0-2", flexible = "0+") {
        /// Include cluster authorized operations (bool, v0+).
        pub include_cluster_authorized_operations: bool [versions = "0+"],
        /// Endpoint type (int8, v1+).
        pub endpoint_type: i8 [versions = "1+"] = 1,
        /// Include fenced brokers (bool, v2+).
        pub include_fenced_brokers: bool [versions = "2+"],
    }
}

kafka_message! {
    /// DescribeClusterResponse (api key 60).
    pub struct DescribeClusterResponse: Response(api_key = ApiKey::DESCRIBE_CLUSTER, versions = "0-2", flexible = "0+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Endpoint type (int8, v1+).
        pub endpoint_type: i8 [versions = "1+"] = 1,
        /// Cluster id (string, v0+).
        pub cluster_id: String [versions = "0+"],
        /// Controller id (int32, v0+).
        pub controller_id: i32 [versions = "0+"] = -1,
        /// Brokers ([]DescribeClusterBroker, v0+).
        pub brokers: Vec<DescribeClusterBroker> [versions = "0+"],
        /// Cluster authorized operations (int32, v0+).
        pub cluster_authorized_operations: i32 [versions = "0+"] = -2147483648,
    }
}

kafka_struct! {
    /// Describe cluster broker (in DescribeClusterResponse).
    pub struct DescribeClusterBroker {
        /// Broker id (int32, v0+).
        pub broker_id: i32 [versions = "0+"],
        /// Host (string, v0+).
        pub host: String [versions = "0+"],
        /// Port (int32, v0+).
        pub port: i32 [versions = "0+"],
        /// Rack (string, v0+).
        pub rack: Option<String> [versions = "0+", nullable = "0+"],
        /// Is fenced (bool, v2+).
        pub is_fenced: bool [versions = "2+"],
    }
}
