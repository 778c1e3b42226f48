//! MetadataRequest / MetadataResponse: golden vectors from the Java client and round-trip properties.
mod common;

use kwire_protocol::api::metadata::{MetadataRequest, MetadataResponse};

#[test]
fn golden_vectors() {
    common::golden::<MetadataRequest>();
    common::golden::<MetadataResponse>();
}

#[test]
fn round_trip_every_version() {
    common::round_trip::<MetadataRequest>(128);
    common::round_trip::<MetadataResponse>(128);
}

#[test]
fn truncated_input_is_an_error() {
    common::truncations_fail_cleanly::<MetadataRequest>();
    common::truncations_fail_cleanly::<MetadataResponse>();
}
