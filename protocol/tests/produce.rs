//! ProduceRequest / ProduceResponse: golden vectors from the Java client and round-trip properties.
mod common;

use kwire_protocol::api::produce::{ProduceRequest, ProduceResponse};

#[test]
fn golden_vectors() {
    common::golden::<ProduceRequest>();
    common::golden::<ProduceResponse>();
}

#[test]
fn round_trip_every_version() {
    common::round_trip::<ProduceRequest>(128);
    common::round_trip::<ProduceResponse>(128);
}

#[test]
fn truncated_input_is_an_error() {
    common::truncations_fail_cleanly::<ProduceRequest>();
    common::truncations_fail_cleanly::<ProduceResponse>();
}
