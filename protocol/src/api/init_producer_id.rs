//! InitProducerId (key 22): obtain a producer id and epoch for idempotent or transactional producers.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message};

impl Request for InitProducerIdRequest {
    type Response = InitProducerIdResponse;
}

kafka_message! {
    /// InitProducerIdRequest (api key 22).
    pub struct InitProducerIdRequest: Request(api_key = ApiKey::INIT_PRODUCER_ID, versions = "0-5", flexible = "2+") {
        /// Transactional id (string, v0+).
        pub transactional_id: Option<String> [versions = "0+", nullable = "0+"],
        /// Transaction timeout in milliseconds (int32, v0+).
        pub transaction_timeout_ms: i32 [versions = "0+"],
        /// Producer id (int64, v3+).
        pub producer_id: i64 [versions = "3+"] = -1,
        /// Producer epoch (int16, v3+).
        pub producer_epoch: i16 [versions = "3+"] = -1,
    }
}

kafka_message! {
    /// InitProducerIdResponse (api key 22).
    pub struct InitProducerIdResponse: Response(api_key = ApiKey::INIT_PRODUCER_ID, versions = "0-5", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+", ignorable = true],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Producer id (int64, v0+).
        pub producer_id: i64 [versions = "0+"] = -1,
        /// Producer epoch (int16, v0+).
        pub producer_epoch: i16 [versions = "0+"],
    }
}
