//! One module per Kafka API: the request and response bodies for every supported version.

pub mod api_versions;
pub mod fetch;
pub mod init_producer_id;
pub mod list_offsets;
pub mod metadata;
pub mod produce;

use crate::message::Message;
use crate::{ApiKey, VersionRange};

pub use api_versions::{ApiVersionsRequest, ApiVersionsResponse};

/// The versions of `api_key` this crate can encode and decode, for the request (`true`) or the
/// response; `None` for APIs it does not model.
pub fn supported_versions(api_key: ApiKey, request: bool) -> Option<VersionRange> {
    Some(match (api_key, request) {
        (ApiKey::API_VERSIONS, true) => ApiVersionsRequest::VERSIONS,
        (ApiKey::API_VERSIONS, false) => ApiVersionsResponse::VERSIONS,
        _ => return None,
    })
}

/// The flexible versions of `api_key`, for the request (`true`) or the response; `None` for APIs
/// this crate does not model.
pub fn flexible_versions(api_key: ApiKey, request: bool) -> Option<VersionRange> {
    Some(match (api_key, request) {
        (ApiKey::API_VERSIONS, true) => ApiVersionsRequest::FLEXIBLE,
        (ApiKey::API_VERSIONS, false) => ApiVersionsResponse::FLEXIBLE,
        _ => return None,
    })
}
