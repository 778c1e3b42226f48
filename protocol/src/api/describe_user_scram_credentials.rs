//! DescribeUserScramCredentials (key 50): the SCRAM mechanisms and iteration counts each user
//! has credentials for (KIP-554); never the salts or keys.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`). Mechanisms are
//! Kafka's `ScramMechanism` codes: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512 (0 is UNKNOWN).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeUserScramCredentialsRequest {
    type Response = DescribeUserScramCredentialsResponse;
}

kafka_message! {
    /// DescribeUserScramCredentialsRequest (api key 50).
    pub struct DescribeUserScramCredentialsRequest: Request(api_key = ApiKey::DESCRIBE_USER_SCRAM_CREDENTIALS, versions = "0", flexible = "0+") {
        /// Users ([]UserName, v0+).
        pub users: Option<Vec<UserName>> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// User name (in DescribeUserScramCredentialsRequest).
    pub struct UserName {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
    }
}

kafka_message! {
    /// DescribeUserScramCredentialsResponse (api key 50).
    pub struct DescribeUserScramCredentialsResponse: Response(api_key = ApiKey::DESCRIBE_USER_SCRAM_CREDENTIALS, versions = "0", flexible = "0+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Results ([]DescribeUserScramCredentialsResult, v0+).
        pub results: Vec<DescribeUserScramCredentialsResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Describe user scram credentials result (in DescribeUserScramCredentialsResponse).
    pub struct DescribeUserScramCredentialsResult {
        /// User (string, v0+).
        pub user: String [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Credential infos ([]CredentialInfo, v0+).
        pub credential_infos: Vec<CredentialInfo> [versions = "0+"],
    }
}

kafka_struct! {
    /// Credential info (in DescribeUserScramCredentialsResult).
    pub struct CredentialInfo {
        /// Mechanism (int8, v0+).
        pub mechanism: i8 [versions = "0+"],
        /// Iterations (int32, v0+).
        pub iterations: i32 [versions = "0+"],
    }
}
