//! Emission: IR → `quote!` token streams → prettyplease → files. This module orders the
//! outputs; each submodule writes one of them (or, for `util` and `field`, helps those that
//! do).

use std::path::PathBuf;

use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

mod cli;
mod client;
mod crate_files;
mod decode;
mod encode;
mod errors;
mod example;
mod field;
mod fuzz;
mod general;
mod operation;
mod samples;
mod sandbox;
mod sso;
mod types;
pub mod umbrella;
mod util;
mod xml_read;
mod xml_write;

pub use cli::emit_cli;
pub use crate_files::crate_doc_text;
pub use fuzz::{emit_fuzz, fuzz_decoders};
pub use general::emit_general;
pub use samples::emit_sample_tests;
pub use sandbox::emit_sandbox;
pub use sso::emit_sso;
pub use util::ident;

use util::render;

/// Every generated file of the suite.
pub fn emit_all(suite: &Suite) -> Result<Vec<GeneratedFile>, CodegenError> {
    let mut files = vec![emit_general(&suite.common)?];
    for api in &suite.apis {
        if api.is_client() {
            files.extend(emit_api(&suite.common, api)?);
        } else {
            files.push(emit_sso(api)?);
        }
    }
    files.push(emit_sample_tests(suite)?);
    files.push(emit_sandbox(suite)?);
    files.push(emit_cli(suite)?);
    files.extend(umbrella::emit_umbrella(suite)?);
    files.push(emit_fuzz(suite)?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn crate_dir(api: &Api) -> String {
    format!("crates/{}", api.crate_name)
}

/// The files of one generated crate.
pub fn emit_api(common: &Common, api: &Api) -> Result<Vec<GeneratedFile>, CodegenError> {
    let dir = crate_dir(api);
    let f = &api.file;
    let out = vec![
        GeneratedFile {
            path: PathBuf::from(format!("{dir}/Cargo.toml")),
            contents: crate_files::emit_cargo_toml(api),
        },
        GeneratedFile {
            path: PathBuf::from(format!("{dir}/README.md")),
            contents: crate_files::emit_readme(common, api),
        },
        render(
            &format!("{dir}/src/lib.rs"),
            f,
            crate_files::emit_lib(common, api),
        )?,
        render(&format!("{dir}/src/error.rs"), f, errors::emit_error(api))?,
        render(&format!("{dir}/src/types.rs"), f, types::emit_types(api))?,
        render(
            &format!("{dir}/src/client.rs"),
            f,
            client::emit_client(common, api, false),
        )?,
        render(
            &format!("{dir}/src/blocking.rs"),
            f,
            client::emit_client(common, api, true),
        )?,
        render(
            &format!("{dir}/src/operation.rs"),
            f,
            operation::emit_operations(api),
        )?,
        render(&format!("{dir}/src/decode.rs"), f, decode::emit_decode(api))?,
        render(&format!("{dir}/src/encode.rs"), f, encode::emit_encode(api))?,
    ];
    Ok(out)
}
