//! DeleteAcls (key 31): removes the ACL bindings that match filters.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`). The int8 codes
//! are Kafka's, listed in [`describe_acls`](super::describe_acls).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DeleteAclsRequest {
    type Response = DeleteAclsResponse;
}

kafka_message! {
    /// DeleteAclsRequest (api key 31).
    pub struct DeleteAclsRequest: Request(api_key = ApiKey::DELETE_ACLS, versions = "1-3", flexible = "2+") {
        /// Filters ([]DeleteAclsFilter, v0+).
        pub filters: Vec<DeleteAclsFilter> [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete acls filter (in DeleteAclsRequest).
    pub struct DeleteAclsFilter {
        /// Resource type filter (int8, v0+).
        pub resource_type_filter: i8 [versions = "0+"],
        /// Resource name filter (string, v0+).
        pub resource_name_filter: Option<String> [versions = "0+", nullable = "0+"],
        /// Pattern type filter (int8, v1+).
        pub pattern_type_filter: i8 [versions = "1+"] = 3,
        /// Principal filter (string, v0+).
        pub principal_filter: Option<String> [versions = "0+", nullable = "0+"],
        /// Host filter (string, v0+).
        pub host_filter: Option<String> [versions = "0+", nullable = "0+"],
        /// Operation (int8, v0+).
        pub operation: i8 [versions = "0+"],
        /// Permission type (int8, v0+).
        pub permission_type: i8 [versions = "0+"],
    }
}

kafka_message! {
    /// DeleteAclsResponse (api key 31).
    pub struct DeleteAclsResponse: Response(api_key = ApiKey::DELETE_ACLS, versions = "1-3", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Filter results ([]DeleteAclsFilterResult, v0+).
        pub filter_results: Vec<DeleteAclsFilterResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete acls filter result (in DeleteAclsResponse).
    pub struct DeleteAclsFilterResult {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Matching acls ([]DeleteAclsMatchingAcl, v0+).
        pub matching_acls: Vec<DeleteAclsMatchingAcl> [versions = "0+"],
    }
}

kafka_struct! {
    /// Delete acls matching acl (in DeleteAclsFilterResult).
    pub struct DeleteAclsMatchingAcl {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Resource type (int8, v0+).
        pub resource_type: i8 [versions = "0+"],
        /// Resource name (string, v0+).
        pub resource_name: String [versions = "0+"],
        /// Pattern type (int8, v1+).
        pub pattern_type: i8 [versions = "1+"] = 3,
        /// Principal (string, v0+).
        pub principal: String [versions = "0+"],
        /// Host (string, v0+).
        pub host: String [versions = "0+"],
        /// Operation (int8, v0+).
        pub operation: i8 [versions = "0+"],
        /// Permission type (int8, v0+).
        pub permission_type: i8 [versions = "0+"],
    }
}
