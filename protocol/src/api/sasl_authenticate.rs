//! SaslAuthenticate (key 36): one step of a SASL exchange, the mechanism's bytes in each
//! direction (KIP-152). A failed step answers SASL_AUTHENTICATION_FAILED with a message; v1+
//! tells the client how long its session lasts (KIP-368, 0 = no limit).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use bytes::Bytes;

use crate::{ApiKey, ErrorCode, Request, kafka_message};

impl Request for SaslAuthenticateRequest {
    type Response = SaslAuthenticateResponse;
}

kafka_message! {
    /// SaslAuthenticateRequest (api key 36).
    pub struct SaslAuthenticateRequest: Request(api_key = ApiKey::SASL_AUTHENTICATE, versions = "0-2", flexible = "2+") {
        /// Auth bytes (bytes, v0+).
        pub auth_bytes: Bytes [versions = "0+"],
    }
}

kafka_message! {
    /// SaslAuthenticateResponse (api key 36).
    pub struct SaslAuthenticateResponse: Response(api_key = ApiKey::SASL_AUTHENTICATE, versions = "0-2", flexible = "2+") {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Auth bytes (bytes, v0+).
        pub auth_bytes: Bytes [versions = "0+"],
        /// Session lifetime ms (int64, v1+).
        pub session_lifetime_ms: i64 [versions = "1+"],
    }
}
