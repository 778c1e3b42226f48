//! AlterUserScramCredentials (key 51): deletes and creates or replaces users' SCRAM credentials
//! (KIP-554). The client salts and hashes the password itself (`SaltedPassword` is
//! Hi(password, salt, iterations) of the mechanism's hash), so the password never crosses the
//! wire; the salted password is a secret all the same, which is why these requests should not
//! be logged.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`). Mechanisms are as in
//! [`describe_user_scram_credentials`](super::describe_user_scram_credentials).

#![allow(clippy::doc_markdown)]

use bytes::Bytes;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for AlterUserScramCredentialsRequest {
    type Response = AlterUserScramCredentialsResponse;
}

kafka_message! {
    /// AlterUserScramCredentialsRequest (api key 51).
    pub struct AlterUserScramCredentialsRequest: Request(api_key = ApiKey::ALTER_USER_SCRAM_CREDENTIALS, versions = "0", flexible = "0+") {
        /// Deletions ([]ScramCredentialDeletion, v0+).
        pub deletions: Vec<ScramCredentialDeletion> [versions = "0+"],
        /// Upsertions ([]ScramCredentialUpsertion, v0+).
        pub upsertions: Vec<ScramCredentialUpsertion> [versions = "0+"],
    }
}

kafka_struct! {
    /// Scram credential deletion (in AlterUserScramCredentialsRequest).
    pub struct ScramCredentialDeletion {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Mechanism (int8, v0+).
        pub mechanism: i8 [versions = "0+"],
    }
}

kafka_struct! {
    /// Scram credential upsertion (in AlterUserScramCredentialsRequest).
    pub struct ScramCredentialUpsertion {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Mechanism (int8, v0+).
        pub mechanism: i8 [versions = "0+"],
        /// Iterations (int32, v0+).
        pub iterations: i32 [versions = "0+"],
        /// Salt (bytes, v0+).
        pub salt: Bytes [versions = "0+"],
        /// Salted password (bytes, v0+).
        pub salted_password: Bytes [versions = "0+"],
    }
}

kafka_message! {
    /// AlterUserScramCredentialsResponse (api key 51).
    pub struct AlterUserScramCredentialsResponse: Response(api_key = ApiKey::ALTER_USER_SCRAM_CREDENTIALS, versions = "0", flexible = "0+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Results ([]AlterUserScramCredentialsResult, v0+).
        pub results: Vec<AlterUserScramCredentialsResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Alter user scram credentials result (in AlterUserScramCredentialsResponse).
    pub struct AlterUserScramCredentialsResult {
        /// User (string, v0+).
        pub user: String [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
    }
}
