//! ListGroups (key 16): the groups a broker coordinates, with their protocol type, state (v4+
//! filter) and type (v5+ filter, KIP-848).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for ListGroupsRequest {
    type Response = ListGroupsResponse;
}

kafka_message! {
    /// ListGroupsRequest (api key 16).
    pub struct ListGroupsRequest: Request(api_key = ApiKey::LIST_GROUPS, versions = "0-5", flexible = "3+") {
        /// States filter ([]string, v4+).
        pub states_filter: Vec<String> [versions = "4+"],
        /// Types filter ([]string, v5+).
        pub types_filter: Vec<String> [versions = "5+"],
    }
}

kafka_message! {
    /// ListGroupsResponse (api key 16).
    pub struct ListGroupsResponse: Response(api_key = ApiKey::LIST_GROUPS, versions = "0-5", flexible = "3+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Groups ([]ListedGroup, v0+).
        pub groups: Vec<ListedGroup> [versions = "0+"],
    }
}

kafka_struct! {
    /// Listed group (in ListGroupsResponse).
    pub struct ListedGroup {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Protocol type (string, v0+).
        pub protocol_type: String [versions = "0+"],
        /// Group state (string, v4+).
        pub group_state: String [versions = "4+", ignorable = true],
        /// Group type (string, v5+).
        pub group_type: String [versions = "5+", ignorable = true],
    }
}
