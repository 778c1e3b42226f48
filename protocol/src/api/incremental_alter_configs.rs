//! IncrementalAlterConfigs (key 44): set, delete, append to or subtract from single configs of
//! a resource, leaving the others as they are (KIP-339).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for IncrementalAlterConfigsRequest {
    type Response = IncrementalAlterConfigsResponse;
}

kafka_message! {
    /// IncrementalAlterConfigsRequest (api key 44).
    pub struct IncrementalAlterConfigsRequest: Request(api_key = ApiKey::INCREMENTAL_ALTER_CONFIGS, versions = "0-1", flexible = "1+") {
        /// Resources ([]AlterConfigsResource, v0+).
        pub resources: Vec<AlterConfigsResource> [versions = "0+"],
        /// Validate only (bool, v0+).
        pub validate_only: bool [versions = "0+"],
    }
}

kafka_struct! {
    /// Alter configs resource (in IncrementalAlterConfigsRequest).
    pub struct AlterConfigsResource {
        /// Resource type (int8, v0+).
        pub resource_type: i8 [versions = "0+"],
        /// Resource name (string, v0+).
        pub resource_name: String [versions = "0+"],
        /// Configs ([]AlterableConfig, v0+).
        pub configs: Vec<AlterableConfig> [versions = "0+"],
    }
}

kafka_struct! {
    /// Alterable config (in AlterConfigsResource).
    pub struct AlterableConfig {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Config operation (int8, v0+).
        pub config_operation: i8 [versions = "0+"],
        /// Value (string, v0+).
        pub value: Option<String> [versions = "0+", nullable = "0+"],
    }
}

kafka_message! {
    /// IncrementalAlterConfigsResponse (api key 44).
    pub struct IncrementalAlterConfigsResponse: Response(api_key = ApiKey::INCREMENTAL_ALTER_CONFIGS, versions = "0-1", flexible = "1+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Responses ([]AlterConfigsResourceResponse, v0+).
        pub responses: Vec<AlterConfigsResourceResponse> [versions = "0+"],
    }
}

kafka_struct! {
    /// Alter configs resource response (in IncrementalAlterConfigsResponse).
    pub struct AlterConfigsResourceResponse {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Resource type (int8, v0+).
        pub resource_type: i8 [versions = "0+"],
        /// Resource name (string, v0+).
        pub resource_name: String [versions = "0+"],
    }
}
