//! DescribeGroups (key 15): state, protocol and members (with their metadata and assignment) of
//! classic groups.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use bytes::Bytes;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeGroupsRequest {
    type Response = DescribeGroupsResponse;
}

kafka_message! {
    /// DescribeGroupsRequest (api key 15).
    pub struct DescribeGroupsRequest: Request(api_key = ApiKey::DESCRIBE_GROUPS, versions = "0-6", flexible = "5+") {
        /// Groups ([]string, v0+).
        pub groups: Vec<String> [versions = "0+"],
        /// Include authorized operations (bool, v3+).
        pub include_authorized_operations: bool [versions = "3+"],
    }
}

kafka_message! {
    /// DescribeGroupsResponse (api key 15).
    pub struct DescribeGroupsResponse: Response(api_key = ApiKey::DESCRIBE_GROUPS, versions = "0-6", flexible = "5+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Groups ([]DescribedGroup, v0+).
        pub groups: Vec<DescribedGroup> [versions = "0+"],
    }
}

kafka_struct! {
    /// Described group (in DescribeGroupsResponse).
    pub struct DescribedGroup {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v6+).
        pub error_message: Option<String> [versions = "6+", nullable = "6+"],
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Group state (string, v0+).
        pub group_state: String [versions = "0+"],
        /// Protocol type (string, v0+).
        pub protocol_type: String [versions = "0+"],
        /// Protocol data (string, v0+).
        pub protocol_data: String [versions = "0+"],
        /// Members ([]DescribedGroupMember, v0+).
        pub members: Vec<DescribedGroupMember> [versions = "0+"],
        /// Authorized operations (int32, v3+).
        pub authorized_operations: i32 [versions = "3+"] = -2147483648,
    }
}

kafka_struct! {
    /// Described group member (in DescribedGroup).
    pub struct DescribedGroupMember {
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Group instance id (string, v4+).
        pub group_instance_id: Option<String> [versions = "4+", nullable = "4+", ignorable = true],
        /// Client id (string, v0+).
        pub client_id: String [versions = "0+"],
        /// Client host (string, v0+).
        pub client_host: String [versions = "0+"],
        /// Member metadata (bytes, v0+).
        pub member_metadata: Bytes [versions = "0+"],
        /// Member assignment (bytes, v0+).
        pub member_assignment: Bytes [versions = "0+"],
    }
}
