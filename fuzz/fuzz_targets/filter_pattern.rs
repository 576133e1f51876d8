//! The CloudWatch Logs filter-pattern parser, and matching.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    weir_api::fuzzing::filter_pattern(data);
});
