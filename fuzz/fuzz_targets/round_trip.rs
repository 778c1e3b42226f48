//! Fuzz target `round_trip`: see `kwire_fuzz::round_trip` (fuzz/src/lib.rs) for the input layout and
//! the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kwire_fuzz::round_trip(data));
