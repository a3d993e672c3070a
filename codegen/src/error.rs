//! Spec errors: each names the file, line and column, what is wrong and what would fix it.

use std::fmt;
use std::path::PathBuf;

/// A position in a spec file (1-based line and column; 0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

/// One problem found in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// File relative to the spec directory.
    pub file: PathBuf,
    /// Where in the file (0:0 when the whole file is concerned).
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// What would fix it.
    pub fix: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} (fix: {})",
            self.file.display(),
            self.pos.line,
            self.pos.column,
            self.message,
            self.fix
        )
    }
}

/// Every problem found; the spec is rejected when this is not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Any failure of the generator.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The spec is invalid.
    #[error("the spec is invalid:\n{0}")]
    Spec(#[from] SpecErrors),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Generated tokens did not parse as Rust (a generator bug).
    #[error("generated code for {file} is not valid Rust: {message}")]
    Emit {
        /// The output file.
        file: String,
        /// The parser's message.
        message: String,
    },
}
