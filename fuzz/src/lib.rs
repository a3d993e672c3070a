//! Shared pieces of the fuzz targets (`fuzz_targets/`).
//!
//! The decoder table is generated from the spec (`fuzz/src/generated.rs`, by
//! `cargo xtask codegen`): the generic decoder target reaches every generated decoder
//! without a hand-kept list.

pub mod generated;

/// HTTP statuses the decoder target answers with: the real servers answered errors with
/// 200 and with 500, and the decoders must read error bodies whatever the status.
pub const STATUSES: [u16; 4] = [200, 500, 400, 302];

/// Splits a decoder-target input: byte 0 picks the decoder (modulo the table's length),
/// byte 1 the status, the rest is the body. `None` when the input is shorter than 2 bytes.
pub fn split_decode_input(data: &[u8]) -> Option<(usize, u16, &[u8])> {
    match data {
        [action, status, body @ ..] => Some((
            usize::from(*action) % generated::DECODERS.len(),
            STATUSES[usize::from(*status) % STATUSES.len()],
            body,
        )),
        _ => None,
    }
}

/// The API files of a spec directory (every `*.yaml` but `common.yaml`), sorted: the
/// spec loader target's byte 0 counts in this list (`cargo xtask fuzz` seeds it the same
/// way).
pub fn spec_api_files(spec_dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(spec_dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") && name != "common.yaml" {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
