//! Fuzz target `consumer_protocol`: see `kwire_fuzz::consumer_protocol` (fuzz/src/lib.rs) for
//! what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kwire_fuzz::consumer_protocol(data));
