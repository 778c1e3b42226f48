//! SyncGroup (key 14): after JoinGroup, the leader sends every member's assignment and each
//! member receives its own.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use bytes::Bytes;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for SyncGroupRequest {
    type Response = SyncGroupResponse;
}

kafka_message! {
    /// SyncGroupRequest (api key 14).
    pub struct SyncGroupRequest: Request(api_key = ApiKey::SYNC_GROUP, versions = "0-5", flexible = "4+") {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Generation id (int32, v0+).
        pub generation_id: i32 [versions = "0+"],
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Group instance id (string, v3+).
        pub group_instance_id: Option<String> [versions = "3+", nullable = "3+"],
        /// Protocol type (string, v5+).
        pub protocol_type: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
        /// Protocol name (string, v5+).
        pub protocol_name: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
        /// Assignments ([]SyncGroupRequestAssignment, v0+).
        pub assignments: Vec<SyncGroupRequestAssignment> [versions = "0+"],
    }
}

kafka_struct! {
    /// Sync group request assignment (in SyncGroupRequest).
    pub struct SyncGroupRequestAssignment {
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Assignment (bytes, v0+).
        pub assignment: Bytes [versions = "0+"],
    }
}

kafka_message! {
    /// SyncGroupResponse (api key 14).
    pub struct SyncGroupResponse: Response(api_key = ApiKey::SYNC_GROUP, versions = "0-5", flexible = "4+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Protocol type (string, v5+).
        pub protocol_type: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
        /// Protocol name (string, v5+).
        pub protocol_name: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
        /// Assignment (bytes, v0+).
        pub assignment: Bytes [versions = "0+"],
    }
}
