//! Request handlers, one file per API: pure functions from a decoded request and the cluster
//! model to what the broker does next. No IO here.
//!
//! Each handler module declares the request type it answers (`Request`), the versions the
//! mock advertises for it (`VERSIONS`, Kafka 4.3's range for what it serves) and `handle`.
//! The `apis!` list below is the only other place that names it: decoding, dispatch and the
//! ApiVersions table derive from that list, so adding an API is one new file and one line.

use bytes::Bytes;
use kwire_protocol::api::{RequestBody, ResponseBody};
use kwire_protocol::primitives::Decoder;
use kwire_protocol::{ApiKey, DecodeError, ErrorCode, Message, RequestHeader, VersionRange};

use crate::cluster::{BrokerId, Cluster};

pub use fetch::PendingFetch;
pub use join_group::PendingJoinGroup;
pub use produce::PendingProduce;
pub use sync_group::PendingSyncGroup;

/// Declares the handler modules and derives from them the ApiVersions table
/// ([`ADVERTISED`]), the decoding of request bodies ([`decode`]) and the dispatch
/// ([`handle`]). Each line is `module: RequestBody variant`.
macro_rules! apis {
    ($( $module:ident: $variant:ident ),* $(,)?) => {
        $( pub mod $module; )*

        /// Every API the mock serves, with the versions it advertises, in key order.
        pub const ADVERTISED: &[(ApiKey, VersionRange)] = &[
            $( (<$module::Request as Message>::API_KEY, $module::VERSIONS), )*
        ];

        /// The versions of `api` the mock can read and answer: those it advertises that the
        /// codec decodes (Produce is advertised from 0, as Kafka does, but only read from 3).
        pub fn served(api: ApiKey, version: i16) -> bool {
            $(
                if api == <$module::Request as Message>::API_KEY {
                    return $module::VERSIONS.contains(version)
                        && <$module::Request as Message>::VERSIONS.contains(version);
                }
            )*
            false
        }

        fn read_body(api: ApiKey, version: i16, body: &Bytes) -> Result<RequestBody, DecodeError> {
            $(
                if api == <$module::Request as Message>::API_KEY {
                    return read::<$module::Request>(version, body).map(RequestBody::from);
                }
            )*
            Err(DecodeError::UnsupportedVersion { api_key: api.0, version })
        }

        /// An arbitrary request of `api` valid at `version`, from `seed`.
        #[cfg(test)]
        fn arbitrary_request(api: ApiKey, version: i16, seed: u64) -> RequestBody {
            $(
                if api == <$module::Request as Message>::API_KEY {
                    return RequestBody::from(<$module::Request as Message>::arbitrary(seed, version));
                }
            )*
            panic!("{api} is not served")
        }

        fn dispatch(cluster: &mut Cluster, ctx: &RequestContext<'_>, body: RequestBody) -> Outcome {
            match body {
                $( RequestBody::$variant(r) => $module::handle(cluster, ctx, r), )*
                other => Outcome::Close(Close::Unsupported {
                    api: other.api_key(),
                    version: ctx.version(),
                }),
            }
        }
    };
}

apis! {
    produce: Produce,
    fetch: Fetch,
    list_offsets: ListOffsets,
    metadata: Metadata,
    offset_commit: OffsetCommit,
    offset_fetch: OffsetFetch,
    find_coordinator: FindCoordinator,
    join_group: JoinGroup,
    heartbeat: Heartbeat,
    leave_group: LeaveGroup,
    sync_group: SyncGroup,
    describe_groups: DescribeGroups,
    list_groups: ListGroups,
    api_versions: ApiVersions,
    create_topics: CreateTopics,
    delete_topics: DeleteTopics,
    delete_records: DeleteRecords,
    init_producer_id: InitProducerId,
    offset_for_leader_epoch: OffsetForLeaderEpoch,
    describe_acls: DescribeAcls,
    create_acls: CreateAcls,
    delete_acls: DeleteAcls,
    describe_configs: DescribeConfigs,
    alter_configs: AlterConfigs,
    describe_log_dirs: DescribeLogDirs,
    create_partitions: CreatePartitions,
    delete_groups: DeleteGroups,
    elect_leaders: ElectLeaders,
    incremental_alter_configs: IncrementalAlterConfigs,
    offset_delete: OffsetDelete,
    describe_client_quotas: DescribeClientQuotas,
    alter_client_quotas: AlterClientQuotas,
    describe_user_scram_credentials: DescribeUserScramCredentials,
    alter_user_scram_credentials: AlterUserScramCredentials,
    describe_cluster: DescribeCluster,
    describe_producers: DescribeProducers,
    consumer_group_heartbeat: ConsumerGroupHeartbeat,
    consumer_group_describe: ConsumerGroupDescribe,
    sasl_handshake: SaslHandshake,
    sasl_authenticate: SaslAuthenticate,
}

mod acls;

mod config_resources;

mod coordinated;

/// One request as a handler sees it: the broker that received it, its header, and the model
/// time it arrived at (Kafka's `RequestContext`, without the connection).
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// The broker that received the request.
    pub broker: BrokerId,
    /// The request's header (API, version, correlation and client id).
    pub header: &'a RequestHeader,
    /// Model time in milliseconds.
    pub now: u64,
    /// The client's address as Kafka shows it (`/127.0.0.1`), for group members.
    pub client_host: &'a str,
}

impl RequestContext<'_> {
    /// The request's version, which the response is encoded at.
    pub fn version(&self) -> i16 {
        self.header.api_version
    }

    /// Responds with `body` at the request's version.
    pub fn respond(&self, body: impl Into<ResponseBody>) -> Outcome {
        Outcome::Respond(body.into(), self.version())
    }

    /// Closes the connection unanswered: Kafka's request class refuses this body (`reason`).
    pub fn refuse(&self, reason: &'static str) -> Outcome {
        Outcome::Close(Close::Invalid {
            api: self.header.api_key,
            version: self.version(),
            reason,
        })
    }
}

/// What a broker does with a request.
#[derive(Debug)]
pub enum Outcome {
    /// Send this response, encoded at this version.
    Respond(ResponseBody, i16),
    /// Send nothing (Produce with acks=0).
    NoResponse,
    /// Wait for the model (followers for acks=all, data for a Fetch), then respond.
    Wait(Pending),
    /// Close the connection without answering.
    Close(Close),
}

/// Why a broker closes a connection instead of answering.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Close {
    /// The broker is down: a crashed broker answers nothing.
    #[error("broker {0} is down")]
    BrokerDown(BrokerId),
    /// An API key or version the broker does not serve: Kafka's `SocketServer` closes the
    /// connection for those (ApiVersions excepted, see [`decode`]).
    #[error("unsupported request {} ({api}) v{version}", api.name())]
    Unsupported {
        /// The API key.
        api: ApiKey,
        /// The version.
        version: i16,
    },
    /// A Produce with acks=0 failed on some partition: with no response to carry the error,
    /// Kafka closes the connection (`KafkaApis.handleProduceRequest`).
    #[error("acks=0 Produce failed with {error:?}")]
    FailedWithoutResponse {
        /// The first partition error.
        error: ErrorCode,
    },
    /// A body Kafka's request class refuses once read (its constructor throws, e.g. an ACL
    /// filter with an UNKNOWN code): Kafka closes the connection as for an unreadable body.
    #[error("invalid {} ({api}) v{version}: {reason}", api.name())]
    Invalid {
        /// The API key.
        api: ApiKey,
        /// The version.
        version: i16,
        /// What Kafka's request class refuses.
        reason: &'static str,
    },
    /// A body the request parser cannot read.
    #[error("malformed {} ({api}) v{version}: {error}", api.name())]
    Malformed {
        /// The API key.
        api: ApiKey,
        /// The version.
        version: i16,
        /// What is wrong with it.
        error: DecodeError,
    },
}

/// A request waiting for the model.
#[derive(Debug)]
pub enum Pending {
    /// An acks=all Produce waiting for its followers.
    Produce(PendingProduce),
    /// A Fetch waiting for `min_bytes`.
    Fetch(PendingFetch),
    /// A JoinGroup waiting for the group's join phase to complete.
    JoinGroup(PendingJoinGroup),
    /// A SyncGroup waiting for the leader's assignment.
    SyncGroup(PendingSyncGroup),
}

impl Pending {
    /// Model time at which the request answers with what there is (Produce, Fetch), or by
    /// which a group request has its answer unless the group changed meanwhile (after it,
    /// the waiter looks again on every change of the model).
    pub fn deadline(&self) -> u64 {
        match self {
            Pending::Produce(p) => p.deadline,
            Pending::Fetch(p) => p.deadline,
            Pending::JoinGroup(p) => p.deadline,
            Pending::SyncGroup(p) => p.deadline,
        }
    }

    /// The connection closed while the request waited: nothing will take its answer.
    pub fn abandon(&mut self, cluster: &mut Cluster) {
        match self {
            Pending::Produce(_) | Pending::Fetch(_) => {}
            Pending::JoinGroup(p) => p.abandon(cluster),
            Pending::SyncGroup(p) => p.abandon(cluster),
        }
    }

    /// Looks again at the model at `now`: the final outcome (a response, or a close if the
    /// broker went down meanwhile), or `None` to keep waiting.
    pub fn poll(&mut self, cluster: &mut Cluster, now: u64) -> Option<Outcome> {
        let broker = match self {
            Pending::Produce(p) => p.broker(),
            Pending::Fetch(p) => p.broker(),
            Pending::JoinGroup(p) => p.broker(),
            Pending::SyncGroup(p) => p.broker(),
        };
        if let Err(close) = answers(cluster, broker) {
            self.abandon(cluster);
            return Some(Outcome::Close(close));
        }
        match self {
            Pending::Produce(p) => p
                .poll(cluster, now)
                .map(|r| Outcome::Respond(r.into(), p.version())),
            Pending::Fetch(p) => p
                .poll(cluster, now)
                .map(|r| Outcome::Respond(r.into(), p.version())),
            Pending::JoinGroup(p) => p.poll(cluster, now),
            Pending::SyncGroup(p) => p.poll(cluster, now),
        }
    }
}

/// The one rule for brokers that are down: a broker that is down has crashed, so it answers
/// nothing — neither a new request nor one that was waiting when it went down (answering, e.g.
/// NOT_LEADER_OR_FOLLOWER with a hint to the new leader, is what a dead Kafka broker never does).
fn answers(cluster: &Cluster, broker: BrokerId) -> Result<(), Close> {
    if cluster.is_up(broker) {
        Ok(())
    } else {
        Err(Close::BrokerDown(broker))
    }
}

/// Reads a request body as Kafka's request parser does: the generated `*Data.read` of the
/// version, with what follows the body ignored (`AbstractRequest.parseRequest` never checks
/// that the buffer was consumed; librdkafka's Metadata v13 request leaves bytes behind).
fn read<M: Message>(version: i16, body: &Bytes) -> Result<M, DecodeError> {
    M::decode_from(&mut Decoder::new(body), version)
}

/// A request the broker answers without the model, its body unread or unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// An ApiVersions request at a version the broker does not know: it gets the v0
    /// UNSUPPORTED_VERSION answer with the ApiVersions range (KIP-511).
    UnknownApiVersionsVersion,
    /// Any other request the broker does not serve or cannot read: the connection closes.
    Close(Close),
}

impl From<Refused> for Outcome {
    fn from(r: Refused) -> Outcome {
        match r {
            Refused::UnknownApiVersionsVersion => api_versions::unsupported(),
            Refused::Close(c) => Outcome::Close(c),
        }
    }
}

/// Decodes the body of a request as Kafka's `SocketServer` and request parser do: an
/// ApiVersions request at any version is accepted (answered in v0 if unknown), any other key
/// or version the broker does not serve closes the connection, and so does a body it cannot
/// read.
pub fn decode(header: &RequestHeader, body: &Bytes) -> Result<RequestBody, Refused> {
    let (api, version) = (header.api_key, header.api_version);
    if !served(api, version) {
        if api == ApiKey::API_VERSIONS {
            return Err(Refused::UnknownApiVersionsVersion);
        }
        return Err(Refused::Close(Close::Unsupported { api, version }));
    }
    read_body(api, version, body).map_err(|error| {
        Refused::Close(Close::Malformed {
            api,
            version,
            error,
        })
    })
}

/// Handles a decoded request on `broker` at model time `now`, from a client whose address
/// is not known (group members show `/127.0.0.1`).
pub fn handle(
    cluster: &mut Cluster,
    broker: BrokerId,
    header: &RequestHeader,
    body: RequestBody,
    now: u64,
) -> Outcome {
    handle_from(cluster, broker, "/127.0.0.1", header, body, now)
}

/// Handles a decoded request on `broker` at model time `now`, from a client at
/// `client_host` (as Kafka shows it, `/` and the IP address).
pub fn handle_from(
    cluster: &mut Cluster,
    broker: BrokerId,
    client_host: &str,
    header: &RequestHeader,
    body: RequestBody,
    now: u64,
) -> Outcome {
    if let Err(close) = answers(cluster, broker) {
        return Outcome::Close(close);
    }
    let ctx = RequestContext {
        broker,
        header,
        now,
        client_host,
    };
    dispatch(cluster, &ctx, body)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::ErrorCode;
    use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic};

    use super::*;
    use crate::cluster::{FollowerLag, Injection, Scope};
    use crate::test_util::*;

    #[test]
    fn injected_errors_follow_their_scope_and_count() {
        let mut c = cluster(2);
        // Partition scope: only t/1, twice.
        c.faults.inject(Injection::new(
            ApiKey::PRODUCE,
            Scope::Partition {
                topic: "t".into(),
                partition: 1,
            },
            ErrorCode::NotLeaderOrFollower,
            2,
        ));
        assert_eq!(
            produce1(&mut c, 1, 0, batch(1, -1, 0, 0), 0),
            (ErrorCode::None, 0)
        );
        for _ in 0..2 {
            assert_eq!(
                produce1(&mut c, 2, 1, batch(1, -1, 0, 0), 0),
                (ErrorCode::NotLeaderOrFollower, -1)
            );
        }
        assert_eq!(
            produce1(&mut c, 2, 1, batch(1, -1, 0, 0), 0),
            (ErrorCode::None, 0)
        );
        // Broker scope: Metadata on broker 2 only.
        c.faults.inject(Injection::new(
            ApiKey::METADATA,
            Scope::Broker { broker: 2 },
            ErrorCode::RequestTimedOut,
            1,
        ));
        let md = |c: &mut Cluster, b| match call(
            c,
            b,
            RequestBody::Metadata(MetadataRequest {
                topics: Some(vec![MetadataRequestTopic {
                    name: Some("t".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            12,
            0,
        ) {
            Outcome::Respond(ResponseBody::Metadata(r), _) => r,
            o => panic!("{o:?}"),
        };
        assert_eq!(md(&mut c, 1).topics[0].error_code, ErrorCode::None);
        assert_eq!(
            md(&mut c, 2).topics[0].error_code,
            ErrorCode::RequestTimedOut
        );
        assert_eq!(md(&mut c, 2).topics[0].error_code, ErrorCode::None);
        // Cluster scope: the next Fetch anywhere.
        c.faults.inject(Injection::new(
            ApiKey::FETCH,
            Scope::Cluster,
            ErrorCode::NotLeaderOrFollower,
            1,
        ));
        let f = fetched(call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
            12,
            0,
        ));
        assert_eq!(
            f.responses[0].partitions[0].error_code,
            ErrorCode::NotLeaderOrFollower
        );
        let f = fetched(call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
            12,
            0,
        ));
        assert_eq!(f.responses[0].partitions[0].error_code, ErrorCode::None);
        assert_eq!(c.faults.injected, 4);
    }

    #[test]
    fn a_broker_that_is_down_answers_nothing() {
        // The model takes a broker down before the server closes its connections: a request that
        // reaches the handlers in between must not be answered. Answering it used to send
        // NOT_LEADER_OR_FOLLOWER with a KIP-951 hint (new leader, new epoch) from a dead broker;
        // franz-go took the hint's epoch, then ignored every later Metadata answer and stopped
        // producing to the partition for good.
        let mut c = cluster(1);
        assert_eq!(c.partition("t", 0).unwrap().leader, Some(1));
        c.broker_down(1);
        let o = call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, -1, 1000, batch(1, -1, 0, 0))),
            10,
            0,
        );
        assert!(
            matches!(o, Outcome::Close(Close::BrokerDown(1))),
            "got {o:?}"
        );
        let o = call(
            &mut c,
            1,
            RequestBody::Metadata(MetadataRequest::default()),
            12,
            0,
        );
        assert!(
            matches!(o, Outcome::Close(Close::BrokerDown(1))),
            "got {o:?}"
        );
        c.broker_up(1);
        let r = produced(call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, 1, 1000, batch(1, -1, 0, 0))),
            10,
            0,
        ));
        assert_eq!(
            r.responses[0].partition_responses[0].error_code,
            ErrorCode::NotLeaderOrFollower
        );

        // Requests already waiting when the broker goes down are not answered either.
        let mut c = cluster(1);
        c.set_default_lag(FollowerLag::Stalled);
        let o = call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, -1, 1000, batch(1, -1, 0, 0))),
            10,
            0,
        );
        let Outcome::Wait(mut produce_wait) = o else {
            panic!("expected a wait, got {o:?}")
        };
        let o = call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 0, 1 << 20, 5000)),
            10,
            0,
        );
        let Outcome::Wait(mut fetch_wait) = o else {
            panic!("expected a wait, got {o:?}")
        };
        assert!(produce_wait.poll(&mut c, 5).is_none());
        assert!(fetch_wait.poll(&mut c, 5).is_none());
        c.broker_down(1);
        // They end in a close, even at their deadlines (which would answer were it up).
        for now in [10, 6000] {
            for w in [&mut produce_wait, &mut fetch_wait] {
                let o = w.poll(&mut c, now);
                assert!(
                    matches!(o, Some(Outcome::Close(Close::BrokerDown(1)))),
                    "got {o:?}"
                );
            }
        }
    }

    /// A group coordinated by broker 1 (`__consumer_offsets` is created for it).
    pub(crate) fn local_group(c: &mut Cluster) -> String {
        let _ = c.find_group_coordinator("");
        (0..)
            .map(|i| format!("g{i}"))
            .find(|g| c.group_coordinator(g) == Some(1))
            .expect("broker 1 leads a partition of __consumer_offsets")
    }

    /// A request of `api` at `version` that succeeds on broker 1, the leader of t/0 and the
    /// coordinator of group `g`.
    fn valid_request(c: &Cluster, api: ApiKey, version: i16, g: &str) -> RequestBody {
        use kwire_protocol::api::consumer_group_describe::ConsumerGroupDescribeRequest;
        use kwire_protocol::api::delete_groups::DeleteGroupsRequest;
        use kwire_protocol::api::describe_groups::DescribeGroupsRequest;
        use kwire_protocol::api::heartbeat::HeartbeatRequest;
        use kwire_protocol::api::init_producer_id::InitProducerIdRequest;
        use kwire_protocol::api::join_group::{JoinGroupRequest, JoinGroupRequestProtocol};
        use kwire_protocol::api::leave_group::{LeaveGroupRequest, MemberIdentity};
        use kwire_protocol::api::list_groups::ListGroupsRequest;
        use kwire_protocol::api::list_offsets::{
            ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
        };
        use kwire_protocol::api::offset_commit::{
            OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
        };
        use kwire_protocol::api::offset_delete::{
            OffsetDeleteRequest, OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
        };
        use kwire_protocol::api::offset_fetch::{
            OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopic,
            OffsetFetchRequestTopics,
        };
        use kwire_protocol::api::offset_for_leader_epoch::{
            OffsetForLeaderEpochRequest, OffsetForLeaderPartition, OffsetForLeaderTopic,
        };
        use kwire_protocol::api::sync_group::SyncGroupRequest;
        use kwire_protocol::testing::{FetchBuilder, ProduceBuilder};
        let id = c.topic("t").expect("topic t").id;
        let records = batch(2, -1, 0, 0);
        match api {
            ApiKey::PRODUCE if version >= 13 => ProduceBuilder::new()
                .acks(1)
                .records_by_id(id, 0, records)
                .build()
                .into(),
            ApiKey::PRODUCE => ProduceBuilder::new()
                .acks(1)
                .records("t", 0, records)
                .build()
                .into(),
            ApiKey::FETCH if version >= 13 => FetchBuilder::new()
                .max_wait_ms(0)
                .partition_by_id(id, 0, 0)
                .build()
                .into(),
            ApiKey::FETCH => FetchBuilder::new()
                .max_wait_ms(0)
                .partition("t", 0, 0)
                .build()
                .into(),
            ApiKey::LIST_OFFSETS => ListOffsetsRequest {
                replica_id: -1,
                topics: vec![ListOffsetsTopic {
                    name: "t".into(),
                    partitions: vec![ListOffsetsPartition {
                        partition_index: 0,
                        timestamp: -1,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::METADATA => MetadataRequest {
                topics: Some(vec![MetadataRequestTopic {
                    name: Some("t".into()),
                    topic_id: if version >= 10 {
                        id
                    } else {
                        Default::default()
                    },
                    ..Default::default()
                }]),
                ..Default::default()
            }
            .into(),
            ApiKey::INIT_PRODUCER_ID => InitProducerIdRequest {
                producer_id: -1,
                producer_epoch: -1,
                ..Default::default()
            }
            .into(),
            ApiKey::OFFSET_FOR_LEADER_EPOCH => OffsetForLeaderEpochRequest {
                replica_id: -1,
                topics: vec![OffsetForLeaderTopic {
                    topic: "t".into(),
                    partitions: vec![OffsetForLeaderPartition {
                        partition: 0,
                        current_leader_epoch: -1,
                        leader_epoch: 0,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::API_VERSIONS => api_versions::Request::default().into(),
            ApiKey::OFFSET_COMMIT => OffsetCommitRequest {
                group_id: g.into(),
                topics: vec![OffsetCommitRequestTopic {
                    name: "t".into(),
                    topic_id: id,
                    partitions: vec![OffsetCommitRequestPartition {
                        partition_index: 0,
                        committed_offset: 1,
                        committed_metadata: Some("m".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::OFFSET_FETCH => OffsetFetchRequest {
                group_id: g.into(),
                topics: Some(vec![OffsetFetchRequestTopic {
                    name: "t".into(),
                    partition_indexes: vec![0],
                    ..Default::default()
                }]),
                groups: vec![OffsetFetchRequestGroup {
                    group_id: g.into(),
                    topics: Some(vec![OffsetFetchRequestTopics {
                        name: "t".into(),
                        topic_id: id,
                        partition_indexes: vec![0],
                        ..Default::default()
                    }]),
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::JOIN_GROUP => JoinGroupRequest {
                group_id: g.into(),
                session_timeout_ms: 10_000,
                rebalance_timeout_ms: 10_000,
                protocol_type: "consumer".into(),
                protocols: vec![JoinGroupRequestProtocol {
                    name: "range".into(),
                    metadata: Bytes::from_static(b"m"),
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::HEARTBEAT => HeartbeatRequest {
                group_id: g.into(),
                member_id: "m".into(),
                ..Default::default()
            }
            .into(),
            ApiKey::LEAVE_GROUP => LeaveGroupRequest {
                group_id: g.into(),
                member_id: "m".into(),
                members: vec![MemberIdentity {
                    member_id: "m".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::SYNC_GROUP => SyncGroupRequest {
                group_id: g.into(),
                member_id: "m".into(),
                ..Default::default()
            }
            .into(),
            ApiKey::DESCRIBE_GROUPS => DescribeGroupsRequest {
                groups: vec![g.into()],
                ..Default::default()
            }
            .into(),
            ApiKey::LIST_GROUPS => ListGroupsRequest::default().into(),
            ApiKey::DELETE_GROUPS => DeleteGroupsRequest {
                groups_names: vec![g.into()],
                ..Default::default()
            }
            .into(),
            ApiKey::OFFSET_DELETE => OffsetDeleteRequest {
                group_id: g.into(),
                topics: vec![OffsetDeleteRequestTopic {
                    name: "t".into(),
                    partitions: vec![OffsetDeleteRequestPartition {
                        partition_index: 0,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            // A join of a member named by the client (v1 requires it; v0 may).
            ApiKey::CONSUMER_GROUP_HEARTBEAT => {
                kwire_protocol::api::ConsumerGroupHeartbeatRequest {
                    group_id: g.into(),
                    member_id: "m".into(),
                    rebalance_timeout_ms: 10_000,
                    subscribed_topic_names: Some(vec!["t".into()]),
                    topic_partitions: Some(Vec::new()),
                    ..Default::default()
                }
                .into()
            }
            ApiKey::CONSUMER_GROUP_DESCRIBE => ConsumerGroupDescribeRequest {
                group_ids: vec![g.into()],
                ..Default::default()
            }
            .into(),
            ApiKey::FIND_COORDINATOR => {
                kwire_protocol::api::find_coordinator::FindCoordinatorRequest {
                    key: "g".into(),
                    coordinator_keys: vec!["g".into()],
                    ..Default::default()
                }
                .into()
            }
            ApiKey::CREATE_TOPICS => create_topics::Request {
                topics: vec![kwire_protocol::api::create_topics::CreatableTopic {
                    name: "new".into(),
                    num_partitions: -1,
                    replication_factor: -1,
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::DELETE_TOPICS => delete_topics::Request {
                topics: vec![kwire_protocol::api::delete_topics::DeleteTopicState {
                    name: Some("t".into()),
                    ..Default::default()
                }],
                topic_names: vec!["t".into()],
                ..Default::default()
            }
            .into(),
            // On a listener without SASL (the handlers' only case) both answer
            // ILLEGAL_SASL_STATE, as Kafka's request handler does.
            ApiKey::SASL_HANDSHAKE => kwire_protocol::api::SaslHandshakeRequest {
                mechanism: "PLAIN".into(),
                ..Default::default()
            }
            .into(),
            ApiKey::SASL_AUTHENTICATE => {
                kwire_protocol::api::SaslAuthenticateRequest::default().into()
            }
            ApiKey::DELETE_RECORDS => delete_records::Request {
                topics: vec![kwire_protocol::api::delete_records::DeleteRecordsTopic {
                    name: "t".into(),
                    partitions: vec![
                        kwire_protocol::api::delete_records::DeleteRecordsPartition {
                            partition_index: 0,
                            offset: -1,
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::DESCRIBE_CONFIGS => describe_configs::Request {
                resources: vec![
                    kwire_protocol::api::describe_configs::DescribeConfigsResource {
                        resource_type: config_resources::TOPIC,
                        resource_name: "t".into(),
                        ..Default::default()
                    },
                ],
                include_synonyms: true,
                include_documentation: true,
                ..Default::default()
            }
            .into(),
            ApiKey::ALTER_CONFIGS => alter_configs::Request {
                resources: vec![kwire_protocol::api::alter_configs::AlterConfigsResource {
                    resource_type: config_resources::TOPIC,
                    resource_name: "t".into(),
                    configs: vec![kwire_protocol::api::alter_configs::AlterableConfig {
                        name: "retention.ms".into(),
                        value: Some("1000".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::INCREMENTAL_ALTER_CONFIGS => incremental_alter_configs::Request {
                resources: vec![
                    kwire_protocol::api::incremental_alter_configs::AlterConfigsResource {
                        resource_type: config_resources::TOPIC,
                        resource_name: "t".into(),
                        configs: vec![
                            kwire_protocol::api::incremental_alter_configs::AlterableConfig {
                                name: "retention.ms".into(),
                                value: Some("1000".into()),
                                ..Default::default()
                            },
                        ],
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }
            .into(),
            ApiKey::DESCRIBE_LOG_DIRS => describe_log_dirs::Request::default().into(),
            ApiKey::CREATE_PARTITIONS => create_partitions::Request {
                topics: vec![
                    kwire_protocol::api::create_partitions::CreatePartitionsTopic {
                        name: "t".into(),
                        count: 4,
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }
            .into(),
            ApiKey::DESCRIBE_CLUSTER => describe_cluster::Request {
                include_cluster_authorized_operations: true,
                ..Default::default()
            }
            .into(),
            // Every ACL of any resource (code 1 is ANY), one READ ALLOW on topic t (3, 3).
            ApiKey::DESCRIBE_ACLS => describe_acls::Request {
                resource_type_filter: 1,
                pattern_type_filter: 1,
                operation: 1,
                permission_type: 1,
                ..Default::default()
            }
            .into(),
            ApiKey::CREATE_ACLS => create_acls::Request {
                creations: vec![kwire_protocol::api::create_acls::AclCreation {
                    resource_type: 2,
                    resource_name: "t".into(),
                    resource_pattern_type: 3,
                    principal: "User:alice".into(),
                    host: "*".into(),
                    operation: 3,
                    permission_type: 3,
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::DELETE_ACLS => delete_acls::Request {
                filters: vec![kwire_protocol::api::delete_acls::DeleteAclsFilter {
                    resource_type_filter: 1,
                    pattern_type_filter: 1,
                    operation: 1,
                    permission_type: 1,
                    ..Default::default()
                }],
                ..Default::default()
            }
            .into(),
            ApiKey::DESCRIBE_PRODUCERS => describe_producers::Request::default().into(),
            ApiKey::ELECT_LEADERS => elect_leaders::Request::default().into(),
            ApiKey::DESCRIBE_CLIENT_QUOTAS => describe_client_quotas::Request::default().into(),
            ApiKey::ALTER_CLIENT_QUOTAS => alter_client_quotas::Request::default().into(),
            ApiKey::DESCRIBE_USER_SCRAM_CREDENTIALS => describe_user_scram_credentials::Request {
                users: None,
                ..Default::default()
            }
            .into(),
            ApiKey::ALTER_USER_SCRAM_CREDENTIALS => alter_user_scram_credentials::Request {
                upsertions: vec![
                    kwire_protocol::api::alter_user_scram_credentials::ScramCredentialUpsertion {
                        name: "carol".into(),
                        mechanism: 1,
                        iterations: 4096,
                        salt: bytes::Bytes::from_static(b"salt"),
                        salted_password: bytes::Bytes::from_static(&[7; 32]),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }
            .into(),
            _ => panic!("no valid {} request here: add one", api.name()),
        }
    }

    /// APIs whose handlers close the connection on some bodies the codec reads, as Kafka's
    /// request classes refuse them ([`Close::Invalid`]): ACL filters with UNKNOWN codes.
    const REFUSING: &[ApiKey] = &[
        ApiKey::DESCRIBE_ACLS,
        ApiKey::CREATE_ACLS,
        ApiKey::DELETE_ACLS,
    ];

    /// The final answer to `body`: a response encoded at `version`, or `None` for acks=0
    /// (whose failures close the connection instead) and for bodies an API of [`REFUSING`]
    /// refuses.
    fn answer(c: &mut Cluster, body: RequestBody, version: i16) -> Option<Bytes> {
        let api = body.api_key();
        let mut o = call(c, 1, body, version, 0);
        if let Outcome::Wait(p) = &mut o {
            o = p.poll(c, p.deadline()).expect("answered at the deadline");
        }
        match o {
            Outcome::Respond(r, v) => {
                assert_eq!((r.api_key(), v), (api, version));
                let mut buf = bytes::BytesMut::new();
                if let Err(e) = r.encode(&mut buf, v) {
                    panic!(
                        "{} v{version}: the response does not encode: {e}\n{r:?}",
                        api.name()
                    );
                }
                Some(buf.freeze())
            }
            Outcome::NoResponse | Outcome::Close(Close::FailedWithoutResponse { .. }) => None,
            Outcome::Close(Close::Invalid { .. }) if REFUSING.contains(&api) => None,
            other => panic!("{} v{version}: {other:?}", api.name()),
        }
    }

    #[test]
    fn every_handler_answers_every_advertised_version_in_that_version() {
        let mut answered = 0;
        for (api, versions) in ADVERTISED {
            for version in versions.min..=versions.max {
                if !served(*api, version) {
                    continue;
                }
                // A request that succeeds (responses carry every field), then arbitrary ones
                // (mostly error paths; unknown topics are not auto-created by names like these).
                let mut c = cluster(1);
                let g = local_group(&mut c);
                let body = valid_request(&c, *api, version, &g);
                assert!(answer(&mut c, body, version).is_some());
                answered += 1;
                for seed in 0..20u64 {
                    let body = arbitrary_request(*api, version, seed);
                    let acks_zero = matches!(&body, RequestBody::Produce(p) if p.acks == 0);
                    let r = answer(&mut c, body, version);
                    if r.is_none() && REFUSING.contains(api) {
                        continue;
                    }
                    assert_eq!(
                        r.is_none(),
                        acks_zero,
                        "{} v{version} seed {seed}",
                        api.name()
                    );
                    answered += 1;
                }
            }
        }
        assert!(answered > 500, "{answered}");
    }

    #[test]
    fn bodies_are_read_as_kafka_reads_them() {
        let header = |api: ApiKey, version: i16| RequestHeader::new(api, version, 1, Some("t"));
        // Bytes after the body are ignored (librdkafka's Metadata v13 leaves three).
        let mut b = bytes::BytesMut::new();
        MetadataRequest::default().encode(&mut b, 13).unwrap();
        b.extend_from_slice(&[0, 0, 0]);
        let body = decode(&header(ApiKey::METADATA, 13), &b.freeze()).unwrap();
        assert_eq!(body, RequestBody::Metadata(MetadataRequest::default()));
        // A body cut short is malformed: the connection closes.
        let r = decode(&header(ApiKey::METADATA, 13), &Bytes::from_static(&[2]));
        assert!(
            matches!(r, Err(Refused::Close(Close::Malformed { .. }))),
            "{r:?}"
        );
        // ApiVersions at a version the broker does not know: the v0 answer, body unread. v5 is
        // one: the codec reads it, but Kafka 4.3 (and so the mock) advertises up to v4.
        for version in [5, 99] {
            let r = decode(
                &header(ApiKey::API_VERSIONS, version),
                &Bytes::from_static(b"junk"),
            );
            assert_eq!(r, Err(Refused::UnknownApiVersionsVersion));
        }
        let Outcome::Respond(ResponseBody::ApiVersions(v), 0) =
            Refused::UnknownApiVersionsVersion.into()
        else {
            panic!()
        };
        assert_eq!(v.error_code, ErrorCode::UnsupportedVersion);
        // Other keys and versions not served close the connection, Produce v0-2 included
        // (advertised from 0 as Kafka 4 does, not served by either).
        for (api, version) in [
            (ApiKey(200), 0),
            (ApiKey::PRODUCE, 2),
            (ApiKey::METADATA, 14),
        ] {
            let r = decode(&header(api, version), &Bytes::new());
            assert_eq!(r, Err(Refused::Close(Close::Unsupported { api, version })));
        }
    }
}
