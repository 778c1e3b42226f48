//! What the engine and its driver tell each other: the [`Action`]s the engine asks for, the
//! [`Event`]s the network reports, and the API [`Versions`] negotiated with a broker. Request
//! and response bodies are kwire-protocol's [`RequestBody`] and [`ResponseBody`]: the driver
//! encodes and decodes them, the engine builds and reads them.

use kwire_protocol::api::{
    ApiVersionsResponse, InitProducerIdRequest, MetadataRequest, ProduceRequest, RequestBody,
    ResponseBody,
};
use kwire_protocol::{ApiKey, Message, VersionRange};

use crate::security::AuthError;

/// A request to send on a node's connection.
#[derive(Debug, Clone)]
pub(crate) struct OutRequest {
    /// Engine-wide request id (the connection maps it to a correlation id).
    pub id: u64,
    /// Body version.
    pub version: i16,
    /// The body; its API key is the request's.
    pub body: RequestBody,
    /// `false` for Produce with acks=0: report [`Event::Written`] instead of a response.
    pub expect_response: bool,
}

/// What the driver must do.
#[derive(Debug)]
// An action lives from `poll` to the driver's match; boxing the request would cost an
// allocation per request for nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Action {
    /// Open a connection to `node` at `addr` and negotiate versions.
    Connect { node: i32, addr: String },
    /// Close `node`'s connection (its requests were already failed).
    Disconnect { node: i32 },
    /// Send a request on `node`'s (ready) connection.
    Send { node: i32, request: OutRequest },
}

/// What happened on the network.
#[derive(Debug)]
pub(crate) enum Event {
    /// The connection is up and versions are negotiated.
    Connected { node: i32, versions: Versions },
    /// The connection could not be set up.
    ConnectFailed { node: i32, error: String },
    /// The broker refused to authenticate the producer (or TLS to trust the broker).
    AuthFailed { node: i32, error: AuthError },
    /// The response to request `id`.
    Response {
        node: i32,
        id: u64,
        body: ResponseBody,
    },
    /// A request that expects no response (acks=0) was written to the socket.
    Written { node: i32, id: u64 },
    /// The connection is gone; requests without a response got none.
    Disconnected { node: i32, error: String },
}

impl Event {
    /// The node the event is about.
    pub fn node(&self) -> i32 {
        match self {
            Event::Connected { node, .. }
            | Event::ConnectFailed { node, .. }
            | Event::AuthFailed { node, .. }
            | Event::Response { node, .. }
            | Event::Written { node, .. }
            | Event::Disconnected { node, .. } => *node,
        }
    }
}

/// API versions negotiated with a broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Versions {
    pub produce: i16,
    pub metadata: i16,
    /// `None`: the broker has no InitProducerId (no idempotence through it).
    pub init_producer_id: Option<i16>,
}

impl Versions {
    /// The versions this producer uses with a broker that answered `resp`: the highest each
    /// side supports. Produce and Metadata are required.
    pub fn negotiate(resp: &ApiVersionsResponse) -> Result<Versions, String> {
        let produce =
            pick_version(resp, ApiKey::PRODUCE, ProduceRequest::VERSIONS).ok_or_else(|| {
                format!(
                    "the broker supports Produce {:?}; this client speaks {}-{}",
                    resp.range_for(ApiKey::PRODUCE),
                    ProduceRequest::VERSIONS.min,
                    ProduceRequest::VERSIONS.max
                )
            })?;
        let metadata =
            pick_version(resp, ApiKey::METADATA, MetadataRequest::VERSIONS).ok_or_else(|| {
                format!(
                    "the broker supports Metadata {:?}",
                    resp.range_for(ApiKey::METADATA)
                )
            })?;
        let init_producer_id = pick_version(
            resp,
            ApiKey::INIT_PRODUCER_ID,
            InitProducerIdRequest::VERSIONS,
        );
        Ok(Versions {
            produce,
            metadata,
            init_producer_id,
        })
    }
}

/// The version to use for `api_key`: the highest both sides support, if any.
fn pick_version(resp: &ApiVersionsResponse, api_key: ApiKey, ours: VersionRange) -> Option<i16> {
    let (min, max) = resp.range_for(api_key)?;
    let v = max.min(ours.max);
    (v >= min.max(ours.min)).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(ranges: &[(ApiKey, i16, i16)]) -> ApiVersionsResponse {
        ApiVersionsResponse::advertising(ranges.iter().copied())
    }

    #[test]
    fn negotiates_highest_common_versions() {
        // Kafka 3.9: Produce 0-11, Metadata 0-12, InitProducerId 0-5.
        let v = Versions::negotiate(&resp(&[
            (ApiKey::PRODUCE, 0, 11),
            (ApiKey::METADATA, 0, 12),
            (ApiKey::INIT_PRODUCER_ID, 0, 5),
        ]))
        .unwrap();
        assert_eq!(
            (v.produce, v.metadata, v.init_producer_id),
            (11, 12, Some(5))
        );
        // A future broker: capped at what we speak.
        let v = Versions::negotiate(&resp(&[
            (ApiKey::PRODUCE, 3, 40),
            (ApiKey::METADATA, 0, 40),
        ]))
        .unwrap();
        assert_eq!(v.produce, ProduceRequest::VERSIONS.max);
        assert_eq!(v.init_producer_id, None);
        // No overlap.
        assert!(
            Versions::negotiate(&resp(&[(ApiKey::PRODUCE, 0, 2), (ApiKey::METADATA, 0, 12)]))
                .is_err()
        );
        assert!(Versions::negotiate(&resp(&[(ApiKey::METADATA, 0, 12)])).is_err());
    }
}
