//! AlterConfigs (key 33): replace the whole set of dynamic configs of a resource (configs not
//! named return to their defaults).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for AlterConfigsRequest {
    type Response = AlterConfigsResponse;
}

kafka_message! {
    /// AlterConfigsRequest (api key 33).
    pub struct AlterConfigsRequest: Request(api_key = ApiKey::ALTER_CONFIGS, versions = "0-2", flexible = "2+") {
        /// Resources ([]AlterConfigsResource, v0+).
        pub resources: Vec<AlterConfigsResource> [versions = "0+"],
        /// Validate only (bool, v0+).
        pub validate_only: bool [versions = "0+"],
    }
}

kafka_struct! {
    /// Alter configs resource (in AlterConfigsRequest).
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
        /// Value (string, v0+).
        pub value: Option<String> [versions = "0+", nullable = "0+"],
    }
}

kafka_message! {
    /// AlterConfigsResponse (api key 33).
    pub struct AlterConfigsResponse: Response(api_key = ApiKey::ALTER_CONFIGS, versions = "0-2", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Responses ([]AlterConfigsResourceResponse, v0+).
        pub responses: Vec<AlterConfigsResourceResponse> [versions = "0+"],
    }
}

kafka_struct! {
    /// Alter configs resource response (in AlterConfigsResponse).
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
