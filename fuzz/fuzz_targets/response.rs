//! Fuzz target `response`: see `kwire_fuzz::response` (fuzz/src/lib.rs) for the input layout and
//! the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kwire_fuzz::response(data));
