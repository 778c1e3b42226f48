//! DeleteGroups (key 42): delete empty groups and their committed offsets.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DeleteGroupsRequest {
    type Response = DeleteGroupsResponse;
}

kafka_message! {
    /// DeleteGroupsRequest (api key 42).
    pub struct DeleteGroupsRequest: Request(api_key = ApiKey::DELETE_GROUPS, versions = "0-3", flexible = "2+") {
        /// Groups names ([]string, v0+).
        pub groups_names: Vec<String> [versions = "0+"],
    }
}

kafka_message! {
    /// DeleteGroupsResponse (api key 42).
    pub struct DeleteGroupsResponse: Response(api_key = ApiKey::DELETE_GROUPS, versions = "0-3", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Results ([]DeletableGroupResult, v0+).
        pub results: Vec<DeletableGroupResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Deletable group result (in DeleteGroupsResponse).
    pub struct DeletableGroupResult {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v3+).
        pub error_message: Option<String> [versions = "3+", nullable = "3+", ignorable = true],
    }
}
