//! Cargo's target directory, as the tasks that build or read build outputs find it (`bench`,
//! `package`). A leaf: it imports no other module of xtask.

use std::path::{Path, PathBuf};

/// Cargo's target directory: `CARGO_TARGET_DIR`, else `<root>/target`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}
