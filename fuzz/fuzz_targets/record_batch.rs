//! Fuzz target `record_batch`: see `kwire_fuzz::record_batch` (fuzz/src/lib.rs) for the input
//! layout and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kwire_fuzz::record_batch(data));
