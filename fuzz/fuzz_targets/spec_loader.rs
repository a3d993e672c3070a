//! The spec loader (`papi_codegen::load_from_texts`: YAML parsing and validation) on
//! in-memory text. Byte 0 picks which file the rest stands for: even, `common.yaml`
//! alone; odd, API file number `byte0 / 2` (of the real ones, sorted) beside the real
//! `common.yaml`. A bad spec must give `SpecError`s, never a panic; rendering them must
//! not panic either.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

struct Spec {
    dir: PathBuf,
    common: String,
    api_files: Vec<String>,
    samples: Vec<String>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
        let common =
            std::fs::read_to_string(dir.join("common.yaml")).expect("api-spec/common.yaml");
        let api_files = papi_fuzz::spec_api_files(&dir).expect("api-spec/");
        let samples = papi_codegen::list_samples(&dir).expect("api-spec/samples");
        Spec {
            dir,
            common,
            api_files,
            samples,
        }
    })
}

/// The sample files a spec made of `common.yaml` and `api` (a file stem) lists.
fn samples_of<'a>(spec: &'a Spec, api: Option<&str>) -> Vec<String> {
    spec.samples
        .iter()
        .filter(|s| {
            s.starts_with("samples/common/")
                || api.is_some_and(|api| s.starts_with(&format!("samples/{api}/")))
        })
        .cloned()
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let [which, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let spec = spec();
    let common_path = Path::new("common.yaml");
    let outcome = if which % 2 == 0 {
        let samples = samples_of(spec, None);
        papi_codegen::load_from_texts(&spec.dir, (common_path, text), &[], &samples)
    } else {
        let name = &spec.api_files[usize::from(which / 2) % spec.api_files.len()];
        let stem = name.trim_end_matches(".yaml");
        let samples = samples_of(spec, Some(stem));
        let api = [(PathBuf::from(name), text.to_owned())];
        papi_codegen::load_from_texts(&spec.dir, (common_path, &spec.common), &api, &samples)
    };
    if let Err(e) = outcome {
        let _ = e.to_string();
    }
});
