//! InitProducerIdRequest / InitProducerIdResponse: golden vectors from the Java client and round-trip properties.
mod common;

use kwire_protocol::api::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};

#[test]
fn golden_vectors() {
    common::golden::<InitProducerIdRequest>();
    common::golden::<InitProducerIdResponse>();
}

#[test]
fn round_trip_every_version() {
    common::round_trip::<InitProducerIdRequest>(128);
    common::round_trip::<InitProducerIdResponse>(128);
}

#[test]
fn truncated_input_is_an_error() {
    common::truncations_fail_cleanly::<InitProducerIdRequest>();
    common::truncations_fail_cleanly::<InitProducerIdResponse>();
}
