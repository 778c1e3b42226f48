//! ConsumerGroupDescribe (key 69): KIP-848 consumer groups: epochs, assignor, and every member's
//! subscription, current and target assignment.
//!
//! Declarations drafted from the message schemas by `tests/reference/schema2dsl.py` and checked
//! byte for byte against Apache's Java client (`protocol/tests/vectors`).

#![allow(clippy::doc_markdown)]

use uuid::Uuid;

use crate::{ApiKey, ErrorCode, Request, kafka_message, kafka_struct};

impl Request for ConsumerGroupDescribeRequest {
    type Response = ConsumerGroupDescribeResponse;
}

kafka_message! {
    /// ConsumerGroupDescribeRequest (api key 69).
    pub struct ConsumerGroupDescribeRequest: Request(api_key = ApiKey::CONSUMER_GROUP_DESCRIBE, versions = "0-1", flexible = "0+") {
        /// Group ids ([]string, v0+).
        pub group_ids: Vec<String> [versions = "0+"],
        /// Include authorized operations (bool, v0+).
        pub include_authorized_operations: bool [versions = "0+"],
    }
}

kafka_message! {
    /// ConsumerGroupDescribeResponse (api key 69).
    pub struct ConsumerGroupDescribeResponse: Response(api_key = ApiKey::CONSUMER_GROUP_DESCRIBE, versions = "0-1", flexible = "0+") {
        /// Throttle time in milliseconds (int32, v0+).
        pub throttle_time_ms: i32 [versions = "0+"],
        /// Groups ([]DescribedGroup, v0+).
        pub groups: Vec<DescribedGroup> [versions = "0+"],
    }
}

kafka_struct! {
    /// Described group (in ConsumerGroupDescribeResponse).
    pub struct DescribedGroup {
        /// Error code (int16, v0+).
        pub error_code: ErrorCode [versions = "0+"],
        /// Error message (string, v0+).
        pub error_message: Option<String> [versions = "0+", nullable = "0+"],
        /// Group id (string, v0+).
        pub group_id: String [versions = "0+"],
        /// Group state (string, v0+).
        pub group_state: String [versions = "0+"],
        /// Group epoch (int32, v0+).
        pub group_epoch: i32 [versions = "0+"],
        /// Assignment epoch (int32, v0+).
        pub assignment_epoch: i32 [versions = "0+"],
        /// Assignor name (string, v0+).
        pub assignor_name: String [versions = "0+"],
        /// Members ([]Member, v0+).
        pub members: Vec<Member> [versions = "0+"],
        /// Authorized operations (int32, v0+).
        pub authorized_operations: i32 [versions = "0+"] = -2147483648,
    }
}

kafka_struct! {
    /// Member (in DescribedGroup).
    pub struct Member {
        /// Member id (string, v0+).
        pub member_id: String [versions = "0+"],
        /// Instance id (string, v0+).
        pub instance_id: Option<String> [versions = "0+", nullable = "0+"],
        /// Rack id (string, v0+).
        pub rack_id: Option<String> [versions = "0+", nullable = "0+"],
        /// Member epoch (int32, v0+).
        pub member_epoch: i32 [versions = "0+"],
        /// Client id (string, v0+).
        pub client_id: String [versions = "0+"],
        /// Client host (string, v0+).
        pub client_host: String [versions = "0+"],
        /// Subscribed topic names ([]string, v0+).
        pub subscribed_topic_names: Vec<String> [versions = "0+"],
        /// Subscribed topic regex (string, v0+).
        pub subscribed_topic_regex: Option<String> [versions = "0+", nullable = "0+"],
        /// Assignment (Assignment, v0+).
        pub assignment: Assignment [versions = "0+"],
        /// Target assignment (Assignment, v0+).
        pub target_assignment: Assignment [versions = "0+"],
        /// Member type (int8, v1+).
        pub member_type: i8 [versions = "1+", ignorable = true] = -1,
    }
}

kafka_struct! {
    /// Assignment (in Member).
    pub struct Assignment {
        /// Topic partitions ([]TopicPartitions, v0+).
        pub topic_partitions: Vec<TopicPartitions> [versions = "0+"],
    }
}

kafka_struct! {
    /// Topic partitions (in Assignment).
    pub struct TopicPartitions {
        /// Topic id (uuid, v0+).
        pub topic_id: Uuid [versions = "0+"],
        /// Topic name (string, v0+).
        pub topic_name: String [versions = "0+"],
        /// Partitions ([]int32, v0+).
        pub partitions: Vec<i32> [versions = "0+"],
    }
}
