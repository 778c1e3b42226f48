//! ApiVersions: what the mock speaks. An unknown (newer) version gets a v0 body with
//! UNSUPPORTED_VERSION and the ApiVersions range, as Kafka does (KIP-511).

use kwire_protocol::api::ResponseBody;
use kwire_protocol::api::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use kwire_protocol::VersionRange;

use super::{ADVERTISED, Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = ApiVersionsRequest;

/// Advertised versions: Kafka 4.3's. The codec also reads v5, but a client that sends v5 must
/// get the same v0 UNSUPPORTED_VERSION answer (and retry lower) that Kafka 4.3 gives it.
pub const VERSIONS: VersionRange = VersionRange::parse("0-4");

/// The full ApiVersions response: every API the mock serves, in key order.
pub fn response() -> ApiVersionsResponse {
    ApiVersionsResponse {
        finalized_features_epoch: -1,
        ..ApiVersionsResponse::advertising(ADVERTISED.iter().map(|(k, v)| (*k, v.min, v.max)))
    }
}

/// The answer to an ApiVersions request whose version we do not know (body unparsed).
pub fn unsupported() -> Outcome {
    let range = VERSIONS;
    Outcome::Respond(
        ResponseBody::ApiVersions(ApiVersionsResponse::unsupported_version(
            range.min, range.max,
        )),
        0,
    )
}

/// Handles an ApiVersions request.
pub fn handle(_cluster: &mut Cluster, ctx: &RequestContext<'_>, _req: ApiVersionsRequest) -> Outcome {
    ctx.respond(response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kwire_protocol::ApiKey;

    #[test]
    fn advertises_produce_from_zero() {
        let r = response();
        assert_eq!(r.range_for(ApiKey::PRODUCE), Some((0, 13)));
        assert_eq!(r.range_for(ApiKey::API_VERSIONS), Some((0, 4)));
        let Outcome::Respond(ResponseBody::ApiVersions(u), 0) = unsupported() else {
            panic!()
        };
        assert_eq!(u.error_code, kwire_protocol::ErrorCode::UnsupportedVersion);
        assert_eq!(u.range_for(ApiKey::API_VERSIONS), Some((0, 4)));
    }
}
