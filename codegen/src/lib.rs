//! papi-codegen: loads the API spec (`api-spec/*.yaml`), validates it with located errors,
//! lowers it to an IR and emits the generated Rust crates.
//!
//! The pipeline is `spec` (YAML → raw structs with positions) → `validate` (→ [`ir::Suite`]
//! or every [`SpecError`]) → `emit` (IR → token streams → prettyplease → files).
//! Output is deterministic: same spec, same bytes.
//!
//! ```
//! let root = papi_codegen::workspace_root();
//! // Load and validate the spec: every problem is reported with its file, line and column.
//! let suite = papi_codegen::load(&root.join("api-spec"))?;
//! let contacts = suite.apis.iter().find(|api| api.id == "contacts").ok_or("no contacts")?;
//! println!("{}: {} actions", contacts.title, contacts.actions.len());
//! // Every generated file, in memory; `cargo xtask codegen --check` compares them with the
//! // committed ones, `cargo xtask codegen` writes the changed ones.
//! let files = papi_codegen::generate(&root.join("api-spec"))?;
//! let client = std::path::Path::new("crates/papi-contacts/src/client.rs");
//! assert!(files.iter().any(|file| file.path == client));
//! println!("{} files, {} stale", files.len(), papi_codegen::stale_files(&root, &files).len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod coverage;
pub mod diff;
pub mod emit;
pub mod error;
pub mod ir;
pub mod openapi;
pub mod spec;
pub mod validate;

use std::path::{Path, PathBuf};

pub use error::{CodegenError, SpecError, SpecErrors};

/// One file the generator writes, relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Full contents.
    pub contents: String,
}

fn read(path: &Path) -> Result<String, CodegenError> {
    std::fs::read_to_string(path).map_err(|source| CodegenError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Load and validate the spec directory (`api-spec/`).
pub fn load(spec_dir: &Path) -> Result<ir::Suite, CodegenError> {
    let common_path = PathBuf::from("common.yaml");
    let common_text = read(&spec_dir.join(&common_path))?;
    let mut api_files = Vec::new();
    let entries = std::fs::read_dir(spec_dir).map_err(|source| CodegenError::Io {
        path: spec_dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| CodegenError::Io {
            path: spec_dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") && name != "common.yaml" {
            api_files.push(name);
        }
    }
    api_files.sort();
    let mut texts = Vec::new();
    for name in &api_files {
        texts.push((PathBuf::from(name), read(&spec_dir.join(name))?));
    }
    let samples = list_samples(spec_dir)?;
    load_from_texts(spec_dir, (&common_path, &common_text), &texts, &samples)
}

/// Validate spec texts already in memory (used by tests with fixture specs).
/// `spec_dir` is where sample files are looked up.
pub fn load_from_texts(
    spec_dir: &Path,
    common: (&Path, &str),
    apis: &[(PathBuf, String)],
    sample_files: &[String],
) -> Result<ir::Suite, CodegenError> {
    let mut errors = Vec::new();
    let common = match spec::parse::<spec::RawCommon>(common.0, common.1) {
        Ok(v) => Some(spec::Loaded {
            file: common.0.to_path_buf(),
            value: v,
        }),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let mut loaded = Vec::new();
    for (file, text) in apis {
        match spec::parse::<spec::RawApi>(file, text) {
            Ok(v) => loaded.push(spec::Loaded {
                file: file.clone(),
                value: v,
            }),
            Err(e) => errors.extend(e.0),
        }
    }
    let Some(common) = common else {
        return Err(SpecErrors(errors).into());
    };
    // A file that failed to parse lists no samples: do not report its samples as unlisted.
    let sample_files: &[String] = if errors.is_empty() { sample_files } else { &[] };
    match validate::lower(&common, &loaded, spec_dir, sample_files) {
        Ok(suite) if errors.is_empty() => Ok(suite),
        Ok(_) => Err(SpecErrors(errors).into()),
        Err(e) => {
            errors.extend(e.0);
            Err(SpecErrors(errors).into())
        }
    }
}

/// The `.xml` files under `samples/*/`, relative to the spec dir, sorted.
pub fn list_samples(spec_dir: &Path) -> Result<Vec<String>, CodegenError> {
    let mut out = Vec::new();
    let root = spec_dir.join("samples");
    if !root.is_dir() {
        return Ok(out);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CodegenError::Io { path, source }
    };
    for dir in std::fs::read_dir(&root).map_err(io(&root))? {
        let dir = dir.map_err(io(&root))?.path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let file = file.map_err(io(&dir))?.path();
            if file.extension().is_some_and(|e| e == "xml") {
                if let Ok(rel) = file.strip_prefix(spec_dir) {
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Load the spec and produce every generated file, including README.md with its coverage
/// table (the README sits in the spec directory's parent, the workspace root).
pub fn generate(spec_dir: &Path) -> Result<Vec<GeneratedFile>, CodegenError> {
    let suite = load(spec_dir)?;
    let mut files = emit::emit_all(&suite)?;
    files.push(openapi::render(&suite, env!("CARGO_PKG_VERSION"))?);
    let readme_path = spec_dir.parent().unwrap_or(spec_dir).join("README.md");
    if let Ok(readme) = std::fs::read_to_string(&readme_path) {
        let readme = readme.replace("\r\n", "\n");
        let contents =
            coverage::readme_with_table(&readme, &suite).ok_or_else(|| CodegenError::Emit {
                file: "README.md".into(),
                message: format!(
                    "the coverage markers are missing; add `{}` and `{}`",
                    coverage::README_START,
                    coverage::README_END
                ),
            })?;
        files.push(GeneratedFile {
            path: PathBuf::from("README.md"),
            contents,
        });
    }
    Ok(files)
}

/// The workspace root, found from this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The generated files whose committed copy under `root` differs from `files` (or is missing).
pub fn stale_files(root: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(root.join(&f.path))
                .map(|on_disk| on_disk.replace("\r\n", "\n") != f.contents)
                .unwrap_or(true)
        })
        .map(|f| f.path.clone())
        .collect()
}

/// Write the files that changed (all files are generated in memory first, so a spec error
/// writes nothing). Returns the paths written.
pub fn write_files(root: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, CodegenError> {
    let stale = stale_files(root, files);
    for f in files.iter().filter(|f| stale.contains(&f.path)) {
        let path = root.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| CodegenError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, &f.contents).map_err(|source| CodegenError::Io { path, source })?;
    }
    Ok(stale)
}
