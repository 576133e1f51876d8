//! SigV4 verification of an arbitrary request: method, request target,
//! header lines, an empty line, the body.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    weir_api::fuzzing::verify(data);
});
