//! ConsumerGroupHeartbeat (key 68): the KIP-848 consumer protocol: a member sends its epoch,
//! subscription and owned partitions; the coordinator answers with its epoch and target assignment.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for ConsumerGroupHeartbeatRequest {
    type Response = ConsumerGroupHeartbeatResponse;
}

kafka_message! {
    /// ConsumerGroupHeartbeatRequest (api key 68).
    pub struct ConsumerGroupHeartbeatRequest: Request(api_key = ApiKey::CONSUMER_GROUP_HEARTBEAT, versions = "0-1", flexible = "0+") {
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Member epoch (int32, v0+).
        pub member_epoch: i32 [versions = "0+"],
        /// Instance id (string, v0+).
        pub instance_id: Option<String> [versions = "0+", nullable = "0+"],
        /// Rack id (string, v0+).
        pub rack_id: Option<String> [versions = "0+", nullable = "0+"],
        /// Rebalance timeout in milliseconds (int32, v0+).
        pub rebalance_timeout_ms: i32 [versions = "0+"] = -1,
        /// Subscribed topic names ([]string, v0+).
        pub subscribed_topic_names: Option<Vec<String>> [versions = "0+", nullable = "0+"],
        /// Subscribed topic regex (string, v1+).
        pub subscribed_topic_regex: Option<String> [versions = "1+", nullable = "1+"],
        /// Server assignor (string, v0+).
        pub server_assignor: Option<String> [versions = "0+", nullable = "0+"],
        /// Topic partitions ([]TopicPartitions, v0+).
        pub topic_partitions: Option<Vec<TopicPartitions>> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// A topic's partitions, by topic id (the request's owned partitions and the response's
    /// assignment).
    pub struct TopicPartitions {
        /// Topic id (uuid, v0+).
        pub topic_id: Uuid [versions = "0+"],
        /// Partitions ([]int32, v0+).
        pub partitions: Vec<i32> [versions = "0+"],
    }
}

kafka_message! {
    /// ConsumerGroupHeartbeatResponse (api key 68).
    pub struct ConsumerGroupHeartbeatResponse: Response(api_key = ApiKey::CONSUMER_GROUP_HEARTBEAT, versions = "0-1", flexible = "0+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Member id (string, v0+).
        pub member_id: Option<String> [versions = "0+", nullable = "0+"],
        /// Member epoch (int32, v0+).
        pub member_epoch: i32 [versions = "0+"],
        /// Heartbeat interval in milliseconds (int32, v0+).
        pub heartbeat_interval_ms: i32 [versions = "0+"],
        /// Assignment (Assignment, v0+): null when unchanged since the last answer.
        pub assignment: Option<Assignment> [versions = "0+", nullable = "0+"],
    }
}

kafka_struct! {
    /// Assignment (in ConsumerGroupHeartbeatResponse).
    pub struct Assignment {
        /// Topic partitions ([]TopicPartitions, v0+).
        pub topic_partitions: Vec<TopicPartitions> [versions = "0+"],
    }
}
