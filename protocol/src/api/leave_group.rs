//! LeaveGroup (key 13): members leave a classic group at once instead of after their session
//! times out; v3+ batches members, identified by member id or static instance id.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for LeaveGroupRequest {
    type Response = LeaveGroupResponse;
}

kafka_message! {
    /// LeaveGroupRequest (api key 13).
    pub struct LeaveGroupRequest: Request(api_key = ApiKey::LEAVE_GROUP, versions = "0-5", flexible = "4+") {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Member id (string, v0-2).
        pub member_id: String [versions = "0-2"],
        /// Members ([]MemberIdentity, v3+).
        pub members: Vec<MemberIdentity> [versions = "3+"],
    }
}

kafka_struct! {
    /// Member identity (in LeaveGroupRequest).
    pub struct MemberIdentity {
        /// Member id (string, v3+).
        pub member_id: String [versions = "3+"],
        /// Group instance id (string, v3+).
        pub group_instance_id: Option<String> [versions = "3+", nullable = "3+"],
        /// Reason (string, v5+).
        pub reason: Option<String> [versions = "5+", nullable = "5+", ignorable = true],
    }
}

kafka_message! {
    /// LeaveGroupResponse (api key 13).
    pub struct LeaveGroupResponse: Response(api_key = ApiKey::LEAVE_GROUP, versions = "0-5", flexible = "4+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Members ([]MemberResponse, v3+).
        pub members: Vec<MemberResponse> [versions = "3+"],
    }
}

kafka_struct! {
    /// Member response (in LeaveGroupResponse).
    pub struct MemberResponse {
        /// Member id (string, v3+).
        pub member_id: String [versions = "3+"],
        /// Group instance id (string, v3+).
        pub group_instance_id: Option<String> [versions = "3+", nullable = "3+"],
        /// Error code (int16, v3+).
        pub error_code: ErrorCode [versions = "3+"],
    }
}
