//! ApiVersions: what the mock speaks. An unknown (newer) version gets a v0 body with
//! UNSUPPORTED_VERSION and the ApiVersions range, as Kafka does (KIP-511).

use kwire_protocol::Message;
use kwire_protocol::api::ResponseBody;
use kwire_protocol::api::api_versions::{ApiVersion, ApiVersionsRequest, ApiVersionsResponse};

use super::{ADVERTISED, Outcome};

/// The full ApiVersions response.
pub fn response() -> ApiVersionsResponse {
    ApiVersionsResponse {
        api_keys: ADVERTISED
            .iter()
            .map(|(k, min, max)| ApiVersion::new(*k, *min, *max))
            .collect(),
        finalized_features_epoch: -1,
        ..Default::default()
    }
}

/// The answer to an ApiVersions request whose version we do not know (body unparsed).
pub fn unsupported() -> Outcome {
    let range = ApiVersionsRequest::VERSIONS;
    Outcome::Respond(
        ResponseBody::ApiVersions(ApiVersionsResponse::unsupported_version(
            range.min, range.max,
        )),
        0,
    )
}

/// Handles an ApiVersions request.
pub fn handle(_req: &ApiVersionsRequest, version: i16) -> Outcome {
    Outcome::Respond(ResponseBody::ApiVersions(response()), version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kwire_protocol::ApiKey;

    #[test]
    fn advertises_produce_from_zero() {
        let r = response();
        assert_eq!(r.range_for(ApiKey::PRODUCE), Some((0, 13)));
        assert_eq!(r.range_for(ApiKey::API_VERSIONS), Some((0, 5)));
        let Outcome::Respond(ResponseBody::ApiVersions(u), 0) = unsupported() else {
            panic!()
        };
        assert_eq!(u.error_code, kwire_protocol::ErrorCode::UnsupportedVersion);
    }
}
