//! Fuzz target `frame`: see `kwire_fuzz::frame` (fuzz/src/lib.rs) for the input layout and
//! the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kwire_fuzz::frame(data));
