//! FetchRequest / FetchResponse: golden vectors from the Java client and round-trip properties.
mod common;

use kwire_protocol::api::fetch::{FetchRequest, FetchResponse};

#[test]
fn golden_vectors() {
    common::golden::<FetchRequest>();
    common::golden::<FetchResponse>();
}

#[test]
fn round_trip_every_version() {
    common::round_trip::<FetchRequest>(128);
    common::round_trip::<FetchResponse>(128);
}

#[test]
fn truncated_input_is_an_error() {
    common::truncations_fail_cleanly::<FetchRequest>();
    common::truncations_fail_cleanly::<FetchResponse>();
}
