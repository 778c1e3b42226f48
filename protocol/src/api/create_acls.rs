//! CreateAcls (key 30): adds ACL bindings.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`). The int8 codes
//! are Kafka's, listed in [`describe_acls`](super::describe_acls).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for CreateAclsRequest {
    type Response = CreateAclsResponse;
}

kafka_message! {
    /// CreateAclsRequest (api key 30).
    pub struct CreateAclsRequest: Request(api_key = ApiKey::CREATE_ACLS, versions = "1-3", flexible = "2+") {
        /// Creations ([]AclCreation, v0+).
        pub creations: Vec<AclCreation> [versions = "0+"],
    }
}

kafka_struct! {
    /// Acl creation (in CreateAclsRequest).
    pub struct AclCreation {
        /// Resource type (int8, v0+).
        pub resource_type: i8 [versions = "0+"],
        /// Resource name (string, v0+).
        pub resource_name: String [versions = "0+"],
        /// Resource pattern type (int8, v1+).
        pub resource_pattern_type: i8 [versions = "1+"] = 3,
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

kafka_message! {
    /// CreateAclsResponse (api key 30).
    pub struct CreateAclsResponse: Response(api_key = ApiKey::CREATE_ACLS, versions = "1-3", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Results ([]AclCreationResult, v0+).
        pub results: Vec<AclCreationResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Acl creation result (in CreateAclsResponse).
    pub struct AclCreationResult {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
    }
}
