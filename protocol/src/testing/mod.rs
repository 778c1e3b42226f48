//! Test support (feature `test-util`), for this crate's tests and those of crates built on it:
//!
//! * [`arbitrary`]: a seeded generator of arbitrary, version-valid messages ([`Rng`],
//!   [`Arbitrary`]), for round-trip property tests.
//! * [`builders`]: record batches, Produce and Fetch requests in a line each
//!   ([`BatchBuilder`], [`ProduceBuilder`], [`FetchBuilder`]), so that tests say what they send
//!   rather than spell out the message structs.

pub mod arbitrary;
pub mod builders;

pub use arbitrary::{Arbitrary, Rng};
pub use builders::{BatchBuilder, FetchBuilder, ProduceBuilder, TEST_TIMESTAMP, reseal};
