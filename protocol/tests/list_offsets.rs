//! ListOffsetsRequest / ListOffsetsResponse: golden vectors from the Java client and round-trip properties.
mod common;

use kwire_protocol::api::list_offsets::{ListOffsetsRequest, ListOffsetsResponse};

#[test]
fn golden_vectors() {
    common::golden::<ListOffsetsRequest>();
    common::golden::<ListOffsetsResponse>();
}

#[test]
fn round_trip_every_version() {
    common::round_trip::<ListOffsetsRequest>(128);
    common::round_trip::<ListOffsetsResponse>(128);
}

#[test]
fn truncated_input_is_an_error() {
    common::truncations_fail_cleanly::<ListOffsetsRequest>();
    common::truncations_fail_cleanly::<ListOffsetsResponse>();
}
