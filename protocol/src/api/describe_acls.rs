//! DescribeAcls (key 29): the ACLs that match a filter.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`). The int8 codes are
//! Kafka's: resource types (`ResourceType`: 1 ANY, 2 TOPIC, 3 GROUP, 4 CLUSTER,
//! 5 TRANSACTIONAL_ID, 6 DELEGATION_TOKEN, 7 USER), pattern types (`PatternType`: 1 ANY,
//! 2 MATCH, 3 LITERAL, 4 PREFIXED), operations (`AclOperation`: 1 ANY, 2 ALL, 3 READ, 4 WRITE,
//! …) and permission types (`AclPermissionType`: 1 ANY, 2 DENY, 3 ALLOW); 0 is UNKNOWN in each.

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeAclsRequest {
    type Response = DescribeAclsResponse;
}

kafka_message! {
    /// DescribeAclsRequest (api key 29).
    pub struct DescribeAclsRequest: Request(api_key = ApiKey::DESCRIBE_ACLS, versions = "1-3", flexible = "2+") {
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
    /// DescribeAclsResponse (api key 29).
    pub struct DescribeAclsResponse: Response(api_key = ApiKey::DESCRIBE_ACLS, versions = "1-3", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Resources ([]DescribeAclsResource, v0+).
        pub resources: Vec<DescribeAclsResource> [versions = "0+"],
    }
}

kafka_struct! {
    /// Describe acls resource (in DescribeAclsResponse).
    pub struct DescribeAclsResource {
        /// Resource type (int8, v0+).
        pub resource_type: i8 [versions = "0+"],
        /// Resource name (string, v0+).
        pub resource_name: String [versions = "0+"],
        /// Pattern type (int8, v1+).
        pub pattern_type: i8 [versions = "1+"] = 3,
        /// Acls ([]AclDescription, v0+).
        pub acls: Vec<AclDescription> [versions = "0+"],
    }
}

kafka_struct! {
    /// Acl description (in DescribeAclsResource).
    pub struct AclDescription {
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
