//! JoinGroup (key 11): a member of a classic group asks to join (or rejoin) a rebalance with its
//! supported protocols; the leader's answer lists every member's metadata.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use bytes::Bytes;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for JoinGroupRequest {
    type Response = JoinGroupResponse;
}

kafka_message! {
    /// JoinGroupRequest (api key 11).
    pub struct JoinGroupRequest: Request(api_key = ApiKey::JOIN_GROUP, versions = "0-9", flexible = "6+") {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Session timeout in milliseconds (int32, v0+).
        pub session_timeout_ms: i32 [versions = "0+"],
        /// Rebalance timeout in milliseconds (int32, v1+).
        pub rebalance_timeout_ms: i32 [versions = "1+", ignorable = true] = -1,
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Group instance id (string, v5+).
        pub group_instance_id: Option<String> [versions = "5+", nullable = "5+"],
        /// Protocol type (string, v0+).
        pub protocol_type: String [versions = "0+"],
        /// Protocols ([]JoinGroupRequestProtocol, v0+).
        pub protocols: Vec<JoinGroupRequestProtocol> [versions = "0+"],
        /// Reason (string, v8+).
        pub reason: Option<String> [versions = "8+", nullable = "8+", ignorable = true],
    }
}

kafka_struct! {
    /// Join group request protocol (in JoinGroupRequest).
    pub struct JoinGroupRequestProtocol {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Metadata (bytes, v0+).
        pub metadata: Bytes [versions = "0+"],
    }
}

kafka_message! {
    /// JoinGroupResponse (api key 11).
    pub struct JoinGroupResponse: Response(api_key = ApiKey::JOIN_GROUP, versions = "0-9", flexible = "6+") {
        /// Throttle time in milliseconds (int32, v2+).
        pub throttle_time_ms: i32 [versions = "2+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Generation id (int32, v0+).
        pub generation_id: i32 [versions = "0+"] = -1,
        /// Protocol type (string, v7+).
        pub protocol_type: Option<String> [versions = "7+", nullable = "7+", ignorable = true],
        /// Protocol name (string, v0+).
        pub protocol_name: Option<String> [versions = "0+", nullable = "7+"],
        /// Leader (string, v0+).
        pub leader: String [versions = "0+"],
        /// Skip assignment (bool, v9+).
        pub skip_assignment: bool [versions = "9+"],
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Members ([]JoinGroupResponseMember, v0+).
        pub members: Vec<JoinGroupResponseMember> [versions = "0+"],
    }
}

kafka_struct! {
    /// Join group response member (in JoinGroupResponse).
    pub struct JoinGroupResponseMember {
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Group instance id (string, v5+).
        pub group_instance_id: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
        /// Metadata (bytes, v0+).
        pub metadata: Bytes [versions = "0+"],
    }
}
