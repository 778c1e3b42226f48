//! DescribeClientQuotas (key 48): the quotas set for users, client ids and IP addresses that
//! match a filter (KIP-546). A filter component names an entity type (`user`, `client-id`,
//! `ip`) and a match type: 0 EXACT (the entity named `match`), 1 DEFAULT (the type's default
//! entity, `match` null), 2 ANY (any entity of the type); `strict` leaves out entities with
//! types the filter does not name. An entity's `entity_name` is null for a default entity.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeClientQuotasRequest {
    type Response = DescribeClientQuotasResponse;
}

kafka_message! {
    /// DescribeClientQuotasRequest (api key 48).
    pub struct DescribeClientQuotasRequest: Request(api_key = ApiKey::DESCRIBE_CLIENT_QUOTAS, versions = "0-1", flexible = "1+") {
        /// Components ([]ComponentData, v0+).
        pub components: Vec<ComponentData> [versions = "0+"],
        /// Strict (bool, v0+).
        pub strict: bool [versions = "0+"],
    }
}

kafka_struct! {
    /// Component data (in DescribeClientQuotasRequest).
    pub struct ComponentData {
        /// Entity type (string, v0+).
        pub entity_type: String [versions = "0+"],
        /// Match type (int8, v0+).
        pub match_type: i8 [versions = "0+"],
        /// Match (string, v0+): the entity name for EXACT, null otherwise.
        pub r#match: Option<String> [versions = "0+", nullable = "0+"],
    }
}

kafka_message! {
    /// DescribeClientQuotasResponse (api key 48).
    pub struct DescribeClientQuotasResponse: Response(api_key = ApiKey::DESCRIBE_CLIENT_QUOTAS, versions = "0-1", flexible = "1+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Entries ([]EntryData, v0+).
        pub entries: Option<Vec<EntryData>> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// Entry data (in DescribeClientQuotasResponse).
    pub struct EntryData {
        /// Entity ([]EntityData, v0+).
        pub entity: Vec<EntityData> [versions = "0+"],
        /// Values ([]ValueData, v0+).
        pub values: Vec<ValueData> [versions = "0+"],
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
    /// Value data (in EntryData).
    pub struct ValueData {
        /// Key (string, v0+).
        pub key: String [versions = "0+"],
        /// Value (float64, v0+).
        pub value: f64 [versions = "0+"],
    }
}
