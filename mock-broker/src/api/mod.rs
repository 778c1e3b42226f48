//! Request handlers, one file per API: pure functions from a decoded request and the cluster
//! model to what the broker does next. No IO here.

pub mod api_versions;
pub mod fetch;
pub mod init_producer_id;
pub mod list_offsets;
pub mod metadata;
pub mod offset_for_leader_epoch;
pub mod produce;
#[cfg(test)]
mod tests;

use kwire_protocol::api::{RequestBody, ResponseBody};
use kwire_protocol::{ApiKey, RequestHeader};

use crate::cluster::{BrokerId, Cluster};

pub use fetch::PendingFetch;
pub use produce::PendingProduce;

/// What a broker does with a request.
#[derive(Debug)]
pub enum Outcome {
    /// Send this response, encoded at this version.
    Respond(ResponseBody, i16),
    /// Send nothing (Produce with acks=0).
    NoResponse,
    /// Wait for followers (Produce with acks=all), then respond.
    WaitAcks(PendingProduce),
    /// Wait for data (Fetch below min_bytes), then respond.
    WaitFetch(PendingFetch),
    /// Close the connection (unsupported API or version, as Kafka does).
    Disconnect(String),
}

/// Handles a decoded request on `broker` at model time `now`.
pub fn handle(
    cluster: &mut Cluster,
    broker: BrokerId,
    header: &RequestHeader,
    body: RequestBody,
    now: u64,
) -> Outcome {
    let v = header.api_version;
    // A broker that is down has crashed: it answers nothing. The server closes its connections
    // once it sees the broker go down, but a request can reach the model first; answering it
    // (e.g. NOT_LEADER_OR_FOLLOWER with a KIP-951 hint to the new leader) is what a dead Kafka
    // broker never does.
    if !cluster.is_up(broker) {
        return Outcome::Disconnect(format!("broker {broker} is down"));
    }
    match body {
        RequestBody::ApiVersions(r) => api_versions::handle(&r, v),
        RequestBody::Metadata(r) => metadata::handle(cluster, broker, &r, v),
        RequestBody::Produce(r) => produce::handle(cluster, broker, r, v, now),
        RequestBody::InitProducerId(r) => init_producer_id::handle(cluster, broker, &r, v),
        RequestBody::Fetch(r) => fetch::handle(cluster, broker, r, v, now),
        RequestBody::ListOffsets(r) => list_offsets::handle(cluster, broker, &r, v),
        RequestBody::OffsetForLeaderEpoch(r) => {
            offset_for_leader_epoch::handle(cluster, broker, &r, v)
        }
        other => Outcome::Disconnect(format!("unsupported API {}", other.api_key())),
    }
}

/// The versions the mock advertises in ApiVersions. Produce advertises min 0 like Kafka 4.x
/// (librdkafka refuses a broker that does not), though only v3+ can be sent.
pub const ADVERTISED: &[(ApiKey, i16, i16)] = &[
    (ApiKey::PRODUCE, 0, 13),
    (ApiKey::FETCH, 4, 18),
    (ApiKey::LIST_OFFSETS, 1, 11),
    (ApiKey::METADATA, 0, 13),
    (ApiKey::API_VERSIONS, 0, 5),
    (ApiKey::INIT_PRODUCER_ID, 0, 5),
    (ApiKey::OFFSET_FOR_LEADER_EPOCH, 2, 4),
];

/// Whether the mock handles `(api, version)`.
pub fn supported(api: ApiKey, version: i16) -> bool {
    kwire_protocol::api::supported_versions(api, true).is_some_and(|r| r.contains(version))
}
