//! Support of the papi benchmarks (issue 5): the inputs, the baselines the generated
//! decoders are measured against, and a local server serving fixed bytes.
//!
//! - [`samples`]: every documented sample (the corrected copy where the printed one is
//!   broken) with the generated decoder of its action.
//! - [`large`]: the large inputs, built with the generated *encoders* so that they are valid
//!   answers: a findcontactlist of 100,000 contacts (~10 MB), a getpicture of a 5 MB image.
//! - [`handwritten`]: the baseline — a hand-written quick-xml event loop filling the same
//!   generated structs, with the same checks as the generated path.
//! - [`roxml`]: another way a user might pick — parse with roxmltree, then fill the structs.
//! - [`server`]: an axum server on 127.0.0.1 serving fixed bytes, counting connections.
//!
//! Run everything with `cargo xtask bench` (see `BENCHMARKS.md`).

pub mod handwritten;
pub mod large;
pub mod roxml;
pub mod samples;
pub mod server;

use std::path::PathBuf;

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where the benches leave their side results (connection counts, peak memory) for
/// `cargo xtask bench`: `$PAPI_BENCH_OUT`, else `<target>/papi-bench`.
pub fn out_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PAPI_BENCH_OUT") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("papi-bench")
}

/// Whether the benches run in quick mode (`PAPI_BENCH_MODE=quick`, set by
/// `cargo xtask bench --quick`): short measurements, fewer calls.
pub fn quick() -> bool {
    std::env::var("PAPI_BENCH_MODE").is_ok_and(|m| m == "quick")
}

/// Number of contacts of the large findcontactlist.
pub const LARGE_CONTACTS: usize = 100_000;

/// Size of the image of the large getpicture.
pub const LARGE_PICTURE_BYTES: usize = 5 * 1024 * 1024;
