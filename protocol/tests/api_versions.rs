//! ApiVersions: golden vectors from the Java client and round-trip properties.
mod common;

use kwire_protocol::api::{ApiVersionsRequest, ApiVersionsResponse};

#[test]
fn golden_vectors() {
    common::golden::<ApiVersionsRequest>();
    common::golden::<ApiVersionsResponse>();
}

#[test]
fn round_trip_every_version() {
    common::round_trip::<ApiVersionsRequest>(64);
    common::round_trip::<ApiVersionsResponse>(256);
}

#[test]
fn truncated_input_is_an_error() {
    common::truncations_fail_cleanly::<ApiVersionsRequest>();
    common::truncations_fail_cleanly::<ApiVersionsResponse>();
}
