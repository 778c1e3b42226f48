//! FindCoordinator (key 10): which broker coordinates a consumer group, a transactional id or a
//! share group. Up to v3 one key per request; from v4 a batch of keys, each answered on its own.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for FindCoordinatorRequest {
    type Response = FindCoordinatorResponse;
}

kafka_message! {
    /// FindCoordinatorRequest (api key 10).
    pub struct FindCoordinatorRequest: Request(api_key = ApiKey::FIND_COORDINATOR, versions = "0-6", flexible = "3+") {
        /// Key (string, v0-3): the group id or transactional id asked about.
        pub key: String [versions = "0-3"],
        /// Key type (int8, v1+): 0 group, 1 transaction, 2 share group (v6+); v0 implies 0.
        pub key_type: i8 [versions = "1+"],
        /// Coordinator keys ([]string, v4+): the keys asked about, all of `key_type`; a share
        /// group's key is `groupId:topicId:partition`.
        pub coordinator_keys: Vec<String> [versions = "4+"],
    }
}

kafka_message! {
    /// FindCoordinatorResponse (api key 10).
    pub struct FindCoordinatorResponse: Response(api_key = ApiKey::FIND_COORDINATOR, versions = "0-6", flexible = "3+") {
        /// Throttle time in milliseconds (int32, v1+).
        pub throttle_time_ms: i32 [versions = "1+", ignorable = true],
        /// Error code (int16, v0-3): e.g. COORDINATOR_NOT_AVAILABLE while the coordinator loads.
        pub error_code: ErrorCode [versions = "0-3"],
        /// Error message (string, v1-3).
        pub error_message: Option<String> [versions = "1-3", nullable = "1-3", ignorable = true],
        /// Node id (int32, v0-3) of the coordinator, -1 on error.
        pub node_id: i32 [versions = "0-3"],
        /// Host (string, v0-3).
        pub host: String [versions = "0-3"],
        /// Port (int32, v0-3).
        pub port: i32 [versions = "0-3"],
        /// Coordinators ([]Coordinator, v4+): one answer per requested key.
        pub coordinators: Vec<Coordinator> [versions = "4+"],
    }
}

kafka_struct! {
    /// The coordinator of one key (in FindCoordinatorResponse).
    pub struct Coordinator {
        /// Key (string, v4+): the requested key this answers.
        pub key: String [versions = "4+"],
        /// Node id (int32, v4+).
        pub node_id: i32 [versions = "4+"],
        /// Host (string, v4+).
        pub host: String [versions = "4+"],
        /// Port (int32, v4+).
        pub port: i32 [versions = "4+"],
        /// Error code (int16, v4+).
        pub error_code: ErrorCode [versions = "4+"],
        /// Error message (string, v4+).
        pub error_message: Option<String> [versions = "4+", nullable = "4+", ignorable = true],
    }
}
