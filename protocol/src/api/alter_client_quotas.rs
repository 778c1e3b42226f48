//! AlterClientQuotas (key 49): sets and removes quota values (`producer_byte_rate`,
//! `consumer_byte_rate`, `request_percentage`, `controller_mutation_rate`,
//! `connection_creation_rate`) of entities — a user, a client id, both, or an IP address; a
//! null `entity_name` is the type's default entity (KIP-546). One result per entry.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`). The response's entity
//! has the request's shape and is the same type.

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for AlterClientQuotasRequest {
    type Response = AlterClientQuotasResponse;
}

kafka_message! {
    /// AlterClientQuotasRequest (api key 49).
    pub struct AlterClientQuotasRequest: Request(api_key = ApiKey::ALTER_CLIENT_QUOTAS, versions = "0-1", flexible = "1+") {
        /// Entries ([]EntryData, v0+).
        pub entries: Vec<EntryData> [versions = "0+"],
        /// Validate only (bool, v0+).
        pub validate_only: bool [versions = "0+"],
    }
}

kafka_struct! {
    /// Entry data (in AlterClientQuotasRequest).
    pub struct EntryData {
        /// Entity ([]EntityData, v0+).
        pub entity: Vec<EntityData> [versions = "0+"],
        /// Ops ([]OpData, v0+).
        pub ops: Vec<OpData> [versions = "0+"],
    }
}

kafka_struct! {
    /// Entity data (in EntryData).
    pub struct EntityData {
        /// Entity type (string, v0+).
        pub entity_type: String [versions = "0+"],
        /// Entity name (string, v0+).
        pub entity_name: Option<String> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// Op data (in EntryData).
    pub struct OpData {
        /// Key (string, v0+).
        pub key: String [versions = "0+"],
        /// Value (float64, v0+).
        pub value: f64 [versions = "0+"],
        /// Remove (bool, v0+).
        pub remove: bool [versions = "0+"],
    }
}

kafka_message! {
    /// AlterClientQuotasResponse (api key 49).
    pub struct AlterClientQuotasResponse: Response(api_key = ApiKey::ALTER_CLIENT_QUOTAS, versions = "0-1", flexible = "1+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Entries ([]EntryData, v0+).
        pub entries: Vec<EntryResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Entry result (in AlterClientQuotasResponse).
    pub struct EntryResult {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Entity ([]EntityData, v0+).
        pub entity: Vec<EntityData> [versions = "0+"],
    }
}
