//! Heartbeat (key 12): a classic group member's keep-alive within `session.timeout.ms`; the
//! answer says REBALANCE_IN_PROGRESS when the member must rejoin.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message};

impl Request for HeartbeatRequest {
    type Response = HeartbeatResponse;
}

kafka_message! {
    /// HeartbeatRequest (api key 12).
    pub struct HeartbeatRequest: Request(api_key = ApiKey::HEARTBEAT, versions = "0-4", flexible = "4+") {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Generation id (int32, v0+).
        pub generation_id: i32 [versions = "0+"],
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Group instance id (string, v3+).
        pub group_instance_id: Option<String> [versions = "3+", nullable = "3+"],
    }
}

kafka_message! {
    /// HeartbeatResponse (api key 12).
    pub struct HeartbeatResponse: Response(api_key = ApiKey::HEARTBEAT, versions = "0-4", flexible = "4+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
    }
}
