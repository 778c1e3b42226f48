//! DescribeConfigs (key 32): the configs of topics, brokers and other resources, with where
//! each value comes from and (v1+) its synonyms.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeConfigsRequest {
    type Response = DescribeConfigsResponse;
}

kafka_message! {
    /// DescribeConfigsRequest (api key 32).
    pub struct DescribeConfigsRequest: Request(api_key = ApiKey::DESCRIBE_CONFIGS, versions = "1-4", flexible = "4+") {
        /// Resources ([]DescribeConfigsResource, v0+).
        pub resources: Vec<DescribeConfigsResource> [versions = "0+"],
        /// Include synonyms (bool, v1+).
        pub include_synonyms: bool [versions = "1+"],
        /// Include documentation (bool, v3+).
        pub include_documentation: bool [versions = "3+"],
    }
}

kafka_struct! {
    /// Describe configs resource (in DescribeConfigsRequest).
    pub struct DescribeConfigsResource {
        /// Resource type (int8, v0+).
        pub resource_type: i8 [versions = "0+"],
        /// Resource name (string, v0+).
        pub resource_name: String [versions = "0+"],
        /// Configuration keys ([]string, v0+).
        pub configuration_keys: Option<Vec<String>> [versions = "0+", nullable = "0+"],
    }
}

kafka_message! {
    /// DescribeConfigsResponse (api key 32).
    pub struct DescribeConfigsResponse: Response(api_key = ApiKey::DESCRIBE_CONFIGS, versions = "1-4", flexible = "4+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Results ([]DescribeConfigsResult, v0+).
        pub results: Vec<DescribeConfigsResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Describe configs result (in DescribeConfigsResponse).
    pub struct DescribeConfigsResult {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Resource type (int8, v0+).
        pub resource_type: i8 [versions = "0+"],
        /// Resource name (string, v0+).
        pub resource_name: String [versions = "0+"],
        /// Configs ([]DescribeConfigsResourceResult, v0+).
        pub configs: Vec<DescribeConfigsResourceResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Describe configs resource result (in DescribeConfigsResult).
    pub struct DescribeConfigsResourceResult {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Value (string, v0+).
        pub value: Option<String> [versions = "0+", nullable = "0+"],
        /// Read only (bool, v0+).
        pub read_only: bool [versions = "0+"],
        /// Config source (int8, v1+).
        pub config_source: i8 [versions = "1+", ignorable = true] = -1,
        /// Is sensitive (bool, v0+).
        pub is_sensitive: bool [versions = "0+"],
        /// Synonyms ([]DescribeConfigsSynonym, v1+).
        pub synonyms: Vec<DescribeConfigsSynonym> [versions = "1+", ignorable = true],
        /// Config type (int8, v3+).
        pub config_type: i8 [versions = "3+", ignorable = true],
        /// Documentation (string, v3+).
        pub documentation: Option<String> [versions = "3+", nullable = "0+", ignorable = true],
    }
}

kafka_struct! {
    /// Describe configs synonym (in DescribeConfigsResourceResult).
    pub struct DescribeConfigsSynonym {
        /// Name (string, v1+).
        pub name: String [versions = "1+"],
        /// Value (string, v1+).
        pub value: Option<String> [versions = "1+", nullable = "0+"],
        /// Source (int8, v1+).
        pub source: i8 [versions = "1+"],
    }
}
