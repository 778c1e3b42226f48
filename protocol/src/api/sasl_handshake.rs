//! SaslHandshake (key 17): the client names the SASL mechanism it wants; the broker answers
//! with the mechanisms it enables (UNSUPPORTED_SASL_MECHANISM when the name is not one of
//! them). From v1 on the exchange itself travels in SaslAuthenticate requests (KIP-152); after
//! v0 the tokens are bare size-prefixed frames with no message schema, so there is nothing to
//! declare here for them (kwire-mock's SASL gate reads them as bytes).
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message};

impl Request for SaslHandshakeRequest {
    type Response = SaslHandshakeResponse;
}

kafka_message! {
    /// SaslHandshakeRequest (api key 17).
    pub struct SaslHandshakeRequest: Request(api_key = ApiKey::SASL_HANDSHAKE, versions = "0-1", flexible = "none") {
        /// Mechanism (string, v0+).
        pub mechanism: String [versions = "0+"],
    }
}

kafka_message! {
    /// SaslHandshakeResponse (api key 17).
    pub struct SaslHandshakeResponse: Response(api_key = ApiKey::SASL_HANDSHAKE, versions = "0-1", flexible = "none") {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Mechanisms ([]string, v0+).
        pub mechanisms: Vec<String> [versions = "0+"],
    }
}
