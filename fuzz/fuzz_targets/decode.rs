//! Every generated response decoder, through the generated table: byte 0 picks the
//! action, byte 1 the HTTP status, the rest is the answer's body. A decoder must return a
//! value or a typed error, never panic; rendering either must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papi_fuzz::{generated::DECODERS, split_decode_input};

fuzz_target!(|data: &[u8]| {
    if let Some((index, status, body)) = split_decode_input(data) {
        let (_name, decode) = DECODERS[index];
        let _ = decode(status, body);
    }
});
