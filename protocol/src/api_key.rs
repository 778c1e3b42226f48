//! API keys: the number at the start of every request that says which API it is.

use std::fmt;

macro_rules! api_keys {
    ($( $konst:ident = $key:literal, $name:literal, $flexible:expr; )*) => {
        impl ApiKey {
            $( #[doc = concat!("`", $name, "` (", stringify!($key), ").")] pub const $konst: ApiKey = ApiKey($key); )*

            /// Kafka's name for the API, or `"Unknown"`.
            pub const fn name(self) -> &'static str {
                match self.0 {
                    $( $key => $name, )*
                    _ => "Unknown",
                }
            }

            /// The first flexible version of the API as Kafka's message schemas declare it
            /// (`flexibleVersions`), whether or not this crate models its bodies; `None` for
            /// APIs that have no flexible version, that Kafka 4 removed, or that it does not know.
            pub const fn first_flexible_version(self) -> Option<i16> {
                match self.0 {
                    $( $key => $flexible, )*
                    _ => None,
                }
            }
        }
    };
}

/// An API key. Any `i16` is representable, so keys this crate does not know are kept; the
/// constants name every API Kafka 4.1 defines, each with its first flexible version (from
/// kafka-clients 4.4's message schemas), which decides its header versions. The default is
/// key 0, Produce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKey(pub i16);

api_keys! {
    PRODUCE = 0, "Produce", Some(9);
    FETCH = 1, "Fetch", Some(12);
    LIST_OFFSETS = 2, "ListOffsets", Some(6);
    METADATA = 3, "Metadata", Some(9);
    LEADER_AND_ISR = 4, "LeaderAndIsr", None;
    STOP_REPLICA = 5, "StopReplica", None;
    UPDATE_METADATA = 6, "UpdateMetadata", None;
    CONTROLLED_SHUTDOWN = 7, "ControlledShutdown", None;
    OFFSET_COMMIT = 8, "OffsetCommit", Some(8);
    OFFSET_FETCH = 9, "OffsetFetch", Some(6);
    FIND_COORDINATOR = 10, "FindCoordinator", Some(3);
    JOIN_GROUP = 11, "JoinGroup", Some(6);
    HEARTBEAT = 12, "Heartbeat", Some(4);
    LEAVE_GROUP = 13, "LeaveGroup", Some(4);
    SYNC_GROUP = 14, "SyncGroup", Some(4);
    DESCRIBE_GROUPS = 15, "DescribeGroups", Some(5);
    LIST_GROUPS = 16, "ListGroups", Some(3);
    SASL_HANDSHAKE = 17, "SaslHandshake", None;
    API_VERSIONS = 18, "ApiVersions", Some(3);
    CREATE_TOPICS = 19, "CreateTopics", Some(5);
    DELETE_TOPICS = 20, "DeleteTopics", Some(4);
    DELETE_RECORDS = 21, "DeleteRecords", Some(2);
    INIT_PRODUCER_ID = 22, "InitProducerId", Some(2);
    OFFSET_FOR_LEADER_EPOCH = 23, "OffsetForLeaderEpoch", Some(4);
    ADD_PARTITIONS_TO_TXN = 24, "AddPartitionsToTxn", Some(3);
    ADD_OFFSETS_TO_TXN = 25, "AddOffsetsToTxn", Some(3);
    END_TXN = 26, "EndTxn", Some(3);
    WRITE_TXN_MARKERS = 27, "WriteTxnMarkers", Some(0);
    TXN_OFFSET_COMMIT = 28, "TxnOffsetCommit", Some(3);
    DESCRIBE_ACLS = 29, "DescribeAcls", Some(2);
    CREATE_ACLS = 30, "CreateAcls", Some(2);
    DELETE_ACLS = 31, "DeleteAcls", Some(2);
    DESCRIBE_CONFIGS = 32, "DescribeConfigs", Some(4);
    ALTER_CONFIGS = 33, "AlterConfigs", Some(2);
    ALTER_REPLICA_LOG_DIRS = 34, "AlterReplicaLogDirs", Some(2);
    DESCRIBE_LOG_DIRS = 35, "DescribeLogDirs", Some(2);
    SASL_AUTHENTICATE = 36, "SaslAuthenticate", Some(2);
    CREATE_PARTITIONS = 37, "CreatePartitions", Some(2);
    CREATE_DELEGATION_TOKEN = 38, "CreateDelegationToken", Some(2);
    RENEW_DELEGATION_TOKEN = 39, "RenewDelegationToken", Some(2);
    EXPIRE_DELEGATION_TOKEN = 40, "ExpireDelegationToken", Some(2);
    DESCRIBE_DELEGATION_TOKEN = 41, "DescribeDelegationToken", Some(2);
    DELETE_GROUPS = 42, "DeleteGroups", Some(2);
    ELECT_LEADERS = 43, "ElectLeaders", Some(2);
    INCREMENTAL_ALTER_CONFIGS = 44, "IncrementalAlterConfigs", Some(1);
    ALTER_PARTITION_REASSIGNMENTS = 45, "AlterPartitionReassignments", Some(0);
    LIST_PARTITION_REASSIGNMENTS = 46, "ListPartitionReassignments", Some(0);
    OFFSET_DELETE = 47, "OffsetDelete", None;
    DESCRIBE_CLIENT_QUOTAS = 48, "DescribeClientQuotas", Some(1);
    ALTER_CLIENT_QUOTAS = 49, "AlterClientQuotas", Some(1);
    DESCRIBE_USER_SCRAM_CREDENTIALS = 50, "DescribeUserScramCredentials", Some(0);
    ALTER_USER_SCRAM_CREDENTIALS = 51, "AlterUserScramCredentials", Some(0);
    VOTE = 52, "Vote", Some(0);
    BEGIN_QUORUM_EPOCH = 53, "BeginQuorumEpoch", Some(1);
    END_QUORUM_EPOCH = 54, "EndQuorumEpoch", Some(1);
    DESCRIBE_QUORUM = 55, "DescribeQuorum", Some(0);
    ALTER_PARTITION = 56, "AlterPartition", Some(0);
    UPDATE_FEATURES = 57, "UpdateFeatures", Some(0);
    ENVELOPE = 58, "Envelope", Some(0);
    FETCH_SNAPSHOT = 59, "FetchSnapshot", Some(0);
    DESCRIBE_CLUSTER = 60, "DescribeCluster", Some(0);
    DESCRIBE_PRODUCERS = 61, "DescribeProducers", Some(0);
    BROKER_REGISTRATION = 62, "BrokerRegistration", Some(0);
    BROKER_HEARTBEAT = 63, "BrokerHeartbeat", Some(0);
    UNREGISTER_BROKER = 64, "UnregisterBroker", Some(0);
    DESCRIBE_TRANSACTIONS = 65, "DescribeTransactions", Some(0);
    LIST_TRANSACTIONS = 66, "ListTransactions", Some(0);
    ALLOCATE_PRODUCER_IDS = 67, "AllocateProducerIds", Some(0);
    CONSUMER_GROUP_HEARTBEAT = 68, "ConsumerGroupHeartbeat", Some(0);
    CONSUMER_GROUP_DESCRIBE = 69, "ConsumerGroupDescribe", Some(0);
    CONTROLLER_REGISTRATION = 70, "ControllerRegistration", Some(0);
    GET_TELEMETRY_SUBSCRIPTIONS = 71, "GetTelemetrySubscriptions", Some(0);
    PUSH_TELEMETRY = 72, "PushTelemetry", Some(0);
    ASSIGN_REPLICAS_TO_DIRS = 73, "AssignReplicasToDirs", Some(0);
    LIST_CONFIG_RESOURCES = 74, "ListConfigResources", Some(0);
    DESCRIBE_TOPIC_PARTITIONS = 75, "DescribeTopicPartitions", Some(0);
    SHARE_GROUP_HEARTBEAT = 76, "ShareGroupHeartbeat", Some(0);
    SHARE_GROUP_DESCRIBE = 77, "ShareGroupDescribe", Some(0);
    SHARE_FETCH = 78, "ShareFetch", Some(0);
    SHARE_ACKNOWLEDGE = 79, "ShareAcknowledge", Some(0);
    ADD_RAFT_VOTER = 80, "AddRaftVoter", Some(0);
    REMOVE_RAFT_VOTER = 81, "RemoveRaftVoter", Some(0);
    UPDATE_RAFT_VOTER = 82, "UpdateRaftVoter", Some(0);
    INITIALIZE_SHARE_GROUP_STATE = 83, "InitializeShareGroupState", Some(0);
    READ_SHARE_GROUP_STATE = 84, "ReadShareGroupState", Some(0);
    WRITE_SHARE_GROUP_STATE = 85, "WriteShareGroupState", Some(0);
    DELETE_SHARE_GROUP_STATE = 86, "DeleteShareGroupState", Some(0);
    READ_SHARE_GROUP_STATE_SUMMARY = 87, "ReadShareGroupStateSummary", Some(0);
    STREAMS_GROUP_HEARTBEAT = 88, "StreamsGroupHeartbeat", Some(0);
    STREAMS_GROUP_DESCRIBE = 89, "StreamsGroupDescribe", Some(0);
    DESCRIBE_SHARE_GROUP_OFFSETS = 90, "DescribeShareGroupOffsets", Some(0);
    ALTER_SHARE_GROUP_OFFSETS = 91, "AlterShareGroupOffsets", Some(0);
    DELETE_SHARE_GROUP_OFFSETS = 92, "DeleteShareGroupOffsets", Some(0);
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl From<i16> for ApiKey {
    fn from(k: i16) -> Self {
        ApiKey(k)
    }
}
