//! One module per Kafka API: the request and response bodies for every supported version.
//!
//! | API | key | versions | flexible |
//! |---|---|---|---|
//! | Produce | 0 | 3–13 | 9+ |
//! | Fetch | 1 | 4–18 | 12+ |
//! | ListOffsets | 2 | 1–11 | 6+ |
//! | Metadata | 3 | 0–13 | 9+ |
//! | OffsetCommit | 8 | 2–10 | 8+ |
//! | OffsetFetch | 9 | 1–10 | 6+ |
//! | FindCoordinator | 10 | 0–6 | 3+ |
//! | JoinGroup | 11 | 0–9 | 6+ |
//! | Heartbeat | 12 | 0–4 | 4+ |
//! | LeaveGroup | 13 | 0–5 | 4+ |
//! | SyncGroup | 14 | 0–5 | 4+ |
//! | DescribeGroups | 15 | 0–6 | 5+ |
//! | ListGroups | 16 | 0–5 | 3+ |
//! | SaslHandshake | 17 | 0–1 | none |
//! | ApiVersions | 18 | 0–5 | 3+ |
//! | CreateTopics | 19 | 2–7 | 5+ |
//! | DeleteTopics | 20 | 1–6 | 4+ |
//! | DeleteRecords | 21 | 0–2 | 2+ |
//! | InitProducerId | 22 | 0–5 | 2+ |
//! | OffsetForLeaderEpoch | 23 | 2–4 | 4+ |
//! | DescribeAcls | 29 | 1–3 | 2+ |
//! | CreateAcls | 30 | 1–3 | 2+ |
//! | DeleteAcls | 31 | 1–3 | 2+ |
//! | DescribeConfigs | 32 | 1–4 | 4+ |
//! | AlterConfigs | 33 | 0–2 | 2+ |
//! | DescribeLogDirs | 35 | 1–5 | 2+ |
//! | SaslAuthenticate | 36 | 0–2 | 2+ |
//! | CreatePartitions | 37 | 0–3 | 2+ |
//! | DeleteGroups | 42 | 0–3 | 2+ |
//! | ElectLeaders | 43 | 0–2 | 2+ |
//! | IncrementalAlterConfigs | 44 | 0–1 | 1+ |
//! | OffsetDelete | 47 | 0 | none |
//! | DescribeClientQuotas | 48 | 0–1 | 1+ |
//! | AlterClientQuotas | 49 | 0–1 | 1+ |
//! | DescribeUserScramCredentials | 50 | 0 | 0+ |
//! | AlterUserScramCredentials | 51 | 0 | 0+ |
//! | DescribeCluster | 60 | 0–2 | 0+ |
//! | DescribeProducers | 61 | 0 | 0+ |
//! | ConsumerGroupHeartbeat | 68 | 0–1 | 0+ |
//! | ConsumerGroupDescribe | 69 | 0–1 | 0+ |
//!
//! [`RequestBody`] decodes any of these requests from a frame, for servers that dispatch on the
//! API key.

pub mod alter_client_quotas;
pub mod alter_configs;
pub mod alter_user_scram_credentials;
pub mod api_versions;
pub mod consumer_group_describe;
pub mod consumer_group_heartbeat;
pub mod create_acls;
pub mod create_partitions;
pub mod create_topics;
pub mod delete_acls;
pub mod delete_groups;
pub mod delete_records;
pub mod delete_topics;
pub mod describe_acls;
pub mod describe_client_quotas;
pub mod describe_cluster;
pub mod describe_configs;
pub mod describe_groups;
pub mod describe_log_dirs;
pub mod describe_producers;
pub mod describe_user_scram_credentials;
pub mod elect_leaders;
pub mod fetch;
pub mod find_coordinator;
pub mod heartbeat;
pub mod incremental_alter_configs;
pub mod init_producer_id;
pub mod join_group;
pub mod leave_group;
pub mod list_groups;
pub mod list_offsets;
pub mod metadata;
pub mod offset_commit;
pub mod offset_delete;
pub mod offset_fetch;
pub mod offset_for_leader_epoch;
pub mod produce;
pub mod sasl_authenticate;
pub mod sasl_handshake;
pub mod sync_group;

use bytes::{Bytes, BytesMut};

use crate::header::ResponseHeader;
use crate::header::{request_header_version_for, response_header_version_for};
use crate::message::Message;
use crate::{ApiKey, DecodeError, EncodeError, VersionRange};

pub use alter_client_quotas::{AlterClientQuotasRequest, AlterClientQuotasResponse};
pub use alter_configs::{AlterConfigsRequest, AlterConfigsResponse};
pub use alter_user_scram_credentials::{
    AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse,
};
pub use api_versions::{ApiVersionsRequest, ApiVersionsResponse};
pub use consumer_group_describe::{ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse};
pub use consumer_group_heartbeat::{ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse};
pub use create_acls::{CreateAclsRequest, CreateAclsResponse};
pub use create_partitions::{CreatePartitionsRequest, CreatePartitionsResponse};
pub use create_topics::{CreateTopicsRequest, CreateTopicsResponse};
pub use delete_acls::{DeleteAclsRequest, DeleteAclsResponse};
pub use delete_groups::{DeleteGroupsRequest, DeleteGroupsResponse};
pub use delete_records::{DeleteRecordsRequest, DeleteRecordsResponse};
pub use delete_topics::{DeleteTopicsRequest, DeleteTopicsResponse};
pub use describe_acls::{DescribeAclsRequest, DescribeAclsResponse};
pub use describe_client_quotas::{DescribeClientQuotasRequest, DescribeClientQuotasResponse};
pub use describe_cluster::{DescribeClusterRequest, DescribeClusterResponse};
pub use describe_configs::{DescribeConfigsRequest, DescribeConfigsResponse};
pub use describe_groups::{DescribeGroupsRequest, DescribeGroupsResponse};
pub use describe_log_dirs::{DescribeLogDirsRequest, DescribeLogDirsResponse};
pub use describe_producers::{DescribeProducersRequest, DescribeProducersResponse};
pub use describe_user_scram_credentials::{
    DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse,
};
pub use elect_leaders::{ElectLeadersRequest, ElectLeadersResponse};
pub use fetch::{FetchRequest, FetchResponse};
pub use find_coordinator::{FindCoordinatorRequest, FindCoordinatorResponse};
pub use heartbeat::{HeartbeatRequest, HeartbeatResponse};
pub use incremental_alter_configs::{
    IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
};
pub use init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
pub use join_group::{JoinGroupRequest, JoinGroupResponse};
pub use leave_group::{LeaveGroupRequest, LeaveGroupResponse};
pub use list_groups::{ListGroupsRequest, ListGroupsResponse};
pub use list_offsets::{ListOffsetsRequest, ListOffsetsResponse};
pub use metadata::{MetadataRequest, MetadataResponse};
pub use offset_commit::{OffsetCommitRequest, OffsetCommitResponse};
pub use offset_delete::{OffsetDeleteRequest, OffsetDeleteResponse};
pub use offset_fetch::{OffsetFetchRequest, OffsetFetchResponse};
pub use offset_for_leader_epoch::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse};
pub use produce::{ProduceRequest, ProduceResponse};
pub use sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
pub use sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
pub use sync_group::{SyncGroupRequest, SyncGroupResponse};

/// The request header version for `(api_key, api_version)`, for the APIs this crate models;
/// `None` for other APIs.
pub fn request_header_version(api_key: ApiKey, api_version: i16) -> Option<i16> {
    flexible_versions(api_key, true)
        .map(|flex| request_header_version_for(flex.contains(api_version)))
}

/// The response header version for `(api_key, api_version)`, for the APIs this crate models;
/// `None` for other APIs.
pub fn response_header_version(api_key: ApiKey, api_version: i16) -> Option<i16> {
    flexible_versions(api_key, false)
        .map(|flex| response_header_version_for(api_key, flex.contains(api_version)))
}

/// The type a [`RequestBody`] variant holds: the request itself, or a box for the few requests
/// much larger than the rest (marked `[boxed]` in `bodies!`), so that every `RequestBody` (and
/// whatever holds one inline, such as the producer's pending sends) stays as small as the
/// common requests.
macro_rules! stored {
    ($t:ty) => { $t };
    ($t:ty, boxed) => { Box<$t> };
}

/// Wraps a request for its [`RequestBody`] variant (see `stored!`).
macro_rules! store {
    ($m:expr) => {
        $m
    };
    ($m:expr, boxed) => {
        Box::new($m)
    };
}

macro_rules! bodies {
    ($( $variant:ident($req:ty, $resp:ty) = $key:ident $([$boxed:ident])? ),* $(,)?) => {
        /// A decoded request body of any API this crate models.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum RequestBody {
            $( #[doc = concat!("A ", stringify!($variant), " request.")] $variant(stored!($req $(, $boxed)?)), )*
        }

        /// A response body of any API this crate models.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum ResponseBody {
            $( #[doc = concat!("A ", stringify!($variant), " response.")] $variant($resp), )*
        }

        impl RequestBody {
            /// Decodes the body of an `(api_key, version)` request; the body must fill `buf`.
            pub fn decode(api_key: ApiKey, version: i16, buf: &Bytes) -> Result<Self, DecodeError> {
                match api_key {
                    $( ApiKey::$key => <$req>::decode(buf, version).map(RequestBody::from), )*
                    _ => Err(DecodeError::UnsupportedVersion { api_key: api_key.0, version }),
                }
            }

            /// The API key of the body.
            pub fn api_key(&self) -> ApiKey {
                match self {
                    $( RequestBody::$variant(_) => ApiKey::$key, )*
                }
            }

            /// Encodes the body at `version`.
            pub fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
                match self {
                    $( RequestBody::$variant(m) => m.encode(buf, version), )*
                }
            }
        }

        impl ResponseBody {
            /// Decodes the body of an `(api_key, version)` response; the body must fill `buf`.
            pub fn decode(api_key: ApiKey, version: i16, buf: &Bytes) -> Result<Self, DecodeError> {
                match api_key {
                    $( ApiKey::$key => <$resp>::decode(buf, version).map(ResponseBody::$variant), )*
                    _ => Err(DecodeError::UnsupportedVersion { api_key: api_key.0, version }),
                }
            }

            /// Decodes a whole response frame payload (header and body, as
            /// [`frame::decode_response`](crate::frame::decode_response) does for one type)
            /// of a request sent as `(api_key, version)`: what a client that matches responses
            /// to its requests by correlation id needs when it speaks several APIs.
            ///
            /// ```
            /// use bytes::{BufMut, BytesMut};
            /// use kwire_protocol::api::{ApiVersionsResponse, ResponseBody};
            /// use kwire_protocol::{ApiKey, Message};
            ///
            /// let mut payload = BytesMut::new();
            /// payload.put_i32(7); // correlation id: ApiVersions answers with header v0
            /// ApiVersionsResponse::default().encode(&mut payload, 3)?;
            /// let (header, body) =
            ///     ResponseBody::decode_frame(ApiKey::API_VERSIONS, 3, &payload.freeze())?;
            /// assert_eq!(header.correlation_id, 7);
            /// assert!(matches!(body, ResponseBody::ApiVersions(_)));
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            pub fn decode_frame(
                api_key: ApiKey,
                version: i16,
                payload: &Bytes,
            ) -> Result<(ResponseHeader, Self), DecodeError> {
                match api_key {
                    $( ApiKey::$key => crate::frame::decode_response::<$resp>(payload, version)
                        .map(|(h, m)| (h, ResponseBody::$variant(m))), )*
                    _ => Err(DecodeError::UnsupportedVersion { api_key: api_key.0, version }),
                }
            }

            /// The API key of the body.
            pub fn api_key(&self) -> ApiKey {
                match self {
                    $( ResponseBody::$variant(_) => ApiKey::$key, )*
                }
            }

            /// Encodes the body at `version`.
            pub fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
                match self {
                    $( ResponseBody::$variant(m) => m.encode(buf, version), )*
                }
            }
        }

        $(
            impl From<$req> for RequestBody {
                fn from(m: $req) -> Self { RequestBody::$variant(store!(m $(, $boxed)?)) }
            }
            impl From<$resp> for ResponseBody {
                fn from(m: $resp) -> Self { ResponseBody::$variant(m) }
            }
        )*

        /// The versions of `api_key` this crate can encode and decode, for the request (`true`)
        /// or the response; `None` for APIs it does not model.
        pub fn supported_versions(api_key: ApiKey, request: bool) -> Option<VersionRange> {
            match (api_key, request) {
                $(
                    (ApiKey::$key, true) => Some(<$req>::VERSIONS),
                    (ApiKey::$key, false) => Some(<$resp>::VERSIONS),
                )*
                _ => None,
            }
        }

        /// The flexible versions of `api_key`, for the request (`true`) or the response; `None`
        /// for APIs this crate does not model.
        pub fn flexible_versions(api_key: ApiKey, request: bool) -> Option<VersionRange> {
            match (api_key, request) {
                $(
                    (ApiKey::$key, true) => Some(<$req>::FLEXIBLE),
                    (ApiKey::$key, false) => Some(<$resp>::FLEXIBLE),
                )*
                _ => None,
            }
        }

        /// Every API this crate models, with the request versions it supports.
        pub const SUPPORTED_APIS: &[(ApiKey, VersionRange)] = &[
            $( (ApiKey::$key, <$req>::VERSIONS), )*
        ];
    };
}

bodies! {
    Produce(ProduceRequest, ProduceResponse) = PRODUCE,
    Fetch(FetchRequest, FetchResponse) = FETCH,
    ListOffsets(ListOffsetsRequest, ListOffsetsResponse) = LIST_OFFSETS,
    Metadata(MetadataRequest, MetadataResponse) = METADATA,
    ApiVersions(ApiVersionsRequest, ApiVersionsResponse) = API_VERSIONS,
    InitProducerId(InitProducerIdRequest, InitProducerIdResponse) = INIT_PRODUCER_ID,
    OffsetForLeaderEpoch(OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse) = OFFSET_FOR_LEADER_EPOCH,
    FindCoordinator(FindCoordinatorRequest, FindCoordinatorResponse) = FIND_COORDINATOR,
    CreateTopics(CreateTopicsRequest, CreateTopicsResponse) = CREATE_TOPICS,
    DeleteTopics(DeleteTopicsRequest, DeleteTopicsResponse) = DELETE_TOPICS,
    DeleteRecords(DeleteRecordsRequest, DeleteRecordsResponse) = DELETE_RECORDS,
    DescribeAcls(DescribeAclsRequest, DescribeAclsResponse) = DESCRIBE_ACLS,
    CreateAcls(CreateAclsRequest, CreateAclsResponse) = CREATE_ACLS,
    DeleteAcls(DeleteAclsRequest, DeleteAclsResponse) = DELETE_ACLS,
    DescribeConfigs(DescribeConfigsRequest, DescribeConfigsResponse) = DESCRIBE_CONFIGS,
    AlterConfigs(AlterConfigsRequest, AlterConfigsResponse) = ALTER_CONFIGS,
    DescribeLogDirs(DescribeLogDirsRequest, DescribeLogDirsResponse) = DESCRIBE_LOG_DIRS,
    CreatePartitions(CreatePartitionsRequest, CreatePartitionsResponse) = CREATE_PARTITIONS,
    ElectLeaders(ElectLeadersRequest, ElectLeadersResponse) = ELECT_LEADERS,
    IncrementalAlterConfigs(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse) = INCREMENTAL_ALTER_CONFIGS,
    DescribeCluster(DescribeClusterRequest, DescribeClusterResponse) = DESCRIBE_CLUSTER,
    DescribeProducers(DescribeProducersRequest, DescribeProducersResponse) = DESCRIBE_PRODUCERS,
    OffsetCommit(OffsetCommitRequest, OffsetCommitResponse) = OFFSET_COMMIT,
    OffsetFetch(OffsetFetchRequest, OffsetFetchResponse) = OFFSET_FETCH,
    JoinGroup(JoinGroupRequest, JoinGroupResponse) = JOIN_GROUP,
    Heartbeat(HeartbeatRequest, HeartbeatResponse) = HEARTBEAT,
    LeaveGroup(LeaveGroupRequest, LeaveGroupResponse) = LEAVE_GROUP,
    SyncGroup(SyncGroupRequest, SyncGroupResponse) = SYNC_GROUP,
    DescribeGroups(DescribeGroupsRequest, DescribeGroupsResponse) = DESCRIBE_GROUPS,
    ListGroups(ListGroupsRequest, ListGroupsResponse) = LIST_GROUPS,
    DeleteGroups(DeleteGroupsRequest, DeleteGroupsResponse) = DELETE_GROUPS,
    OffsetDelete(OffsetDeleteRequest, OffsetDeleteResponse) = OFFSET_DELETE,
    DescribeClientQuotas(DescribeClientQuotasRequest, DescribeClientQuotasResponse) = DESCRIBE_CLIENT_QUOTAS,
    AlterClientQuotas(AlterClientQuotasRequest, AlterClientQuotasResponse) = ALTER_CLIENT_QUOTAS,
    DescribeUserScramCredentials(DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse) = DESCRIBE_USER_SCRAM_CREDENTIALS,
    AlterUserScramCredentials(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse) = ALTER_USER_SCRAM_CREDENTIALS,
    ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse) = CONSUMER_GROUP_HEARTBEAT [boxed],
    ConsumerGroupDescribe(ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse) = CONSUMER_GROUP_DESCRIBE,
    SaslHandshake(SaslHandshakeRequest, SaslHandshakeResponse) = SASL_HANDSHAKE,
    SaslAuthenticate(SaslAuthenticateRequest, SaslAuthenticateResponse) = SASL_AUTHENTICATE,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body is as large as its largest variant, and the producer holds one inline in each
    /// pending send: FetchRequest (192 bytes) and JoinGroupResponse (160) set the sizes; the
    /// 224-byte ConsumerGroupHeartbeatRequest is boxed so as not to grow every body by a third.
    #[test]
    fn bodies_stay_small() {
        assert_eq!(std::mem::size_of::<RequestBody>(), 192);
        assert_eq!(std::mem::size_of::<ResponseBody>(), 160);
        assert!(std::mem::size_of::<ConsumerGroupHeartbeatRequest>() > 192);
        let r = RequestBody::from(ConsumerGroupHeartbeatRequest::default());
        assert_eq!(r.api_key(), ApiKey::CONSUMER_GROUP_HEARTBEAT);
    }
}
