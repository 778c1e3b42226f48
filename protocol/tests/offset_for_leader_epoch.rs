//! OffsetForLeaderEpochRequest / OffsetForLeaderEpochResponse: golden vectors from the Java client and round-trip properties.
mod common;

use kwire_protocol::api::offset_for_leader_epoch::{
    OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse,
};

#[test]
fn golden_vectors() {
    common::golden::<OffsetForLeaderEpochRequest>();
    common::golden::<OffsetForLeaderEpochResponse>();
}

#[test]
fn round_trip_every_version() {
    common::round_trip::<OffsetForLeaderEpochRequest>(128);
    common::round_trip::<OffsetForLeaderEpochResponse>(128);
}

#[test]
fn truncated_input_is_an_error() {
    common::truncations_fail_cleanly::<OffsetForLeaderEpochRequest>();
    common::truncations_fail_cleanly::<OffsetForLeaderEpochResponse>();
}
