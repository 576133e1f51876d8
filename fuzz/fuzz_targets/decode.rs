//! Request decoding and checking for every request type: the input's first
//! line names the operation (`CreateApplication`, or a full target such as
//! `Logs_20140328.FilterLogEvents`), the rest is the body.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    weir_api::fuzzing::decode_bytes(data);
});
