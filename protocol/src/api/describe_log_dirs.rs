//! DescribeLogDirs (key 35): a broker's log directories, the partitions in each with their
//! size and lag, and (v4+) the directories' total and usable bytes.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for DescribeLogDirsRequest {
    type Response = DescribeLogDirsResponse;
}

kafka_message! {
    /// DescribeLogDirsRequest (api key 35).
    pub struct DescribeLogDirsRequest: Request(api_key = ApiKey::DESCRIBE_LOG_DIRS, versions = "1-5", flexible = "2+") {
        /// Topics ([]DescribableLogDirTopic, v0+).
        pub topics: Option<Vec<DescribableLogDirTopic>> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// Describable log dir topic (in DescribeLogDirsRequest).
    pub struct DescribableLogDirTopic {
        /// Topic (string, v0+).
        pub topic: String [versions = "0+"],
        /// Partitions ([]int32, v0+).
        pub partitions: Vec<i32> [versions = "0+"],
    }
}

kafka_message! {
    /// DescribeLogDirsResponse (api key 35).
    pub struct DescribeLogDirsResponse: Response(api_key = ApiKey::DESCRIBE_LOG_DIRS, versions = "1-5", flexible = "2+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Error code (int16, v3+).
        pub error_code: ErrorCode [versions = "3+", ignorable = true],
        /// Results ([]DescribeLogDirsResult, v0+).
        pub results: Vec<DescribeLogDirsResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Describe log dirs result (in DescribeLogDirsResponse).
    pub struct DescribeLogDirsResult {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Log dir (string, v0+).
        pub log_dir: String [versions = "0+"],
        /// Topics ([]DescribeLogDirsTopic, v0+).
        pub topics: Vec<DescribeLogDirsTopic> [versions = "0+"],
        /// Total bytes (int64, v4+).
        pub total_bytes: i64 [versions = "4+", ignorable = true] = -1,
        /// Usable bytes (int64, v4+).
        pub usable_bytes: i64 [versions = "4+", ignorable = true] = -1,
        /// Is cordoned (bool, v5+).
        pub is_cordoned: bool [versions = "5+", ignorable = true],
    }
}

kafka_struct! {
    /// Describe log dirs topic (in DescribeLogDirsResult).
    pub struct DescribeLogDirsTopic {
        /// Name (string, v0+).
        pub name: String [versions = "0+"],
        /// Partitions ([]DescribeLogDirsPartition, v0+).
        pub partitions: Vec<DescribeLogDirsPartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Describe log dirs partition (in DescribeLogDirsTopic).
    pub struct DescribeLogDirsPartition {
        /// Partition index (int32, v0+).
        pub partition_index: i32 [versions = "0+"],
        /// Partition size (int64, v0+).
        pub partition_size: i64 [versions = "0+"],
        /// Offset lag (int64, v0+).
        pub offset_lag: i64 [versions = "0+"],
        /// Is future key (bool, v0+).
        pub is_future_key: bool [versions = "0+"],
    }
}
