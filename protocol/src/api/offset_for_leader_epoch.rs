//! OffsetForLeaderEpoch (key 23): the end offset of a leader epoch, which consumers ask for
//! after a leader change to detect log truncation (KIP-320) and followers to truncate their log.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for OffsetForLeaderEpochRequest {
    type Response = OffsetForLeaderEpochResponse;
}

kafka_message! {
    /// OffsetForLeaderEpochRequest (api key 23).
    pub struct OffsetForLeaderEpochRequest: Request(api_key = ApiKey::OFFSET_FOR_LEADER_EPOCH, versions = "2-4", flexible = "4+") {
        /// Replica id (int32, v3+): the follower's broker id, -1 for a consumer; -2 (the
        /// default) for a debugging client, and what older versions imply.
        pub replica_id: i32 [versions = "3+", ignorable = true] = -2,
        /// Topics ([]OffsetForLeaderTopic, v0+).
        pub topics: Vec<OffsetForLeaderTopic> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset for leader topic (in OffsetForLeaderEpochRequest).
    pub struct OffsetForLeaderTopic {
        /// Topic name (string, v0+).
        pub topic: String [versions = "0+"],
        /// Partitions ([]OffsetForLeaderPartition, v0+).
        pub partitions: Vec<OffsetForLeaderPartition> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset for leader partition (in OffsetForLeaderTopic).
    pub struct OffsetForLeaderPartition {
        /// Partition index (int32, v0+).
        pub partition: i32 [versions = "0+"],
        /// Current leader epoch (int32, v2+): the requester's view of the partition's leader
        /// epoch, for fencing (-1 = no check).
        pub current_leader_epoch: i32 [versions = "2+", ignorable = true] = -1,
        /// Leader epoch (int32, v0+): the epoch whose end offset is asked for.
        pub leader_epoch: i32 [versions = "0+"],
    }
}

kafka_message! {
    /// OffsetForLeaderEpochResponse (api key 23).
    pub struct OffsetForLeaderEpochResponse: Response(api_key = ApiKey::OFFSET_FOR_LEADER_EPOCH, versions = "2-4", flexible = "4+") {
        /// Throttle time in milliseconds (int32, v2+).
        pub throttle_time_ms: i32 [versions = "2+", ignorable = true],
        /// Topics ([]OffsetForLeaderTopicResult, v0+).
        pub topics: Vec<OffsetForLeaderTopicResult> [versions = "0+"],
    }
}

kafka_struct! {
    /// Offset for leader topic result (in OffsetForLeaderEpochResponse).
    pub struct OffsetForLeaderTopicResult {
        /// Topic name (string, v0+).
        pub topic: String [versions = "0+"],
        /// Partitions ([]EpochEndOffset, v0+).
        pub partitions: Vec<EpochEndOffset> [versions = "0+"],
    }
}

kafka_struct! {
    /// Epoch end offset (in OffsetForLeaderTopicResult).
    pub struct EpochEndOffset {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Partition index (int32, v0+).
        pub partition: i32 [versions = "0+"],
        /// Leader epoch (int32, v1+): the largest epoch not above the requested one (-1 if
        /// unknown).
        pub leader_epoch: i32 [versions = "1+", ignorable = true] = -1,
        /// End offset (int64, v0+): the end offset of that epoch (-1 if unknown).
        pub end_offset: i64 [versions = "0+"] = -1,
    }
}
