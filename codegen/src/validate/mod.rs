//! Validation of the raw spec and lowering to the IR. Every problem is collected (not only
//! the first) with its file, line, column and a fix.
//!
//! Validation runs as passes, one module each, in a fixed order that is also the order of
//! the errors reported: first the facts of `common.yaml` ([`lower`]), then each API file
//! (`lower_api`), then the samples on disk that no file lists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{SpecError, SpecErrors};
use crate::ir::{Api, Enum, Envelope, ErrorCode, Family, ParamTy, Suite, Type};
use crate::spec::{pos, Loaded, Pos, RawApi, RawCommon, RawParam, Spanned};

mod actions;
mod answers;
mod codes;
mod common;
mod endpoints;
mod enums;
mod envelopes;
mod fields;
mod groups;
mod identity;
mod names;
mod namespace;
mod notes;
mod params;
mod references;
mod samples;
mod sources;
mod sso;
mod types;

pub use codes::{GENERAL_ROLES, ROLES};
pub use fields::FIELD_BUILTINS;
pub use names::is_xml_ncname;
pub use params::{IMAGE_FORMATS, PARAM_BUILTINS};

/// The errors found so far, each located in its file.
#[derive(Default)]
struct Ctx {
    errors: Vec<SpecError>,
}

impl Ctx {
    fn err(&mut self, file: &Path, pos: Pos, message: impl Into<String>, fix: impl Into<String>) {
        self.errors.push(SpecError {
            file: file.to_path_buf(),
            pos,
            message: message.into(),
            fix: fix.into(),
        });
    }

    /// One error at `pos` for each of `names` that is not an XML name ([`is_xml_ncname`]):
    /// "`name` {where_} is not an XML name".
    fn xml_names<'n>(
        &mut self,
        file: &Path,
        pos: Pos,
        names: impl IntoIterator<Item = &'n String>,
        where_: &str,
        fix: &str,
    ) {
        for n in names {
            if !is_xml_ncname(n) {
                self.err(file, pos, format!("`{n}` {where_} is not an XML name"), fix);
            }
        }
    }
}

/// What the passes over an API file take from `common.yaml`, lowered.
struct CommonFacts<'a> {
    sources: sources::Sources,
    https_required: bool,
    families: Vec<Family>,
    envelopes: BTreeMap<String, Envelope>,
    general_errors: Vec<ErrorCode>,
    /// The spec directory, where sample files are looked for.
    spec_dir: &'a Path,
}

/// One API file, as each of its passes sees it.
struct ApiScope<'a> {
    /// The file, for the location of errors.
    file: &'a Path,
    /// Its raw content.
    api: &'a RawApi,
    common: &'a CommonFacts<'a>,
}

impl ApiScope<'_> {
    /// An error unless `s` names a source of `common.yaml`.
    fn source(&self, cx: &mut Ctx, s: &Spanned<String>) {
        self.common.sources.check(cx, self.file, s);
    }

    /// Whether `name` is declared under `types:`.
    fn is_struct(&self, name: &str) -> bool {
        self.api.types.iter().any(|t| t.name.value == name)
    }

    /// A document of its own (an inferred answer, an embedded field): `ty` declared under
    /// `types:`, `root` an XML name; `what` names it in the errors (`inferred`, `embedded`),
    /// `of` what it belongs to.
    fn document_root(
        &self,
        cx: &mut Ctx,
        root: &Spanned<String>,
        ty: &Spanned<String>,
        what: &str,
        of: &str,
    ) {
        if !self.is_struct(&ty.value) {
            cx.err(
                self.file,
                pos(ty),
                format!("unknown {what} type `{}`", ty.value),
                "declare it under `types:`",
            );
        }
        cx.xml_names(
            self.file,
            pos(root),
            std::slice::from_ref(&root.value),
            &format!("as the {what} root of `{of}`"),
            names::XML_NAME_FIX,
        );
    }
}

/// What the actions of an API may refer to.
struct ActionScope<'a> {
    api: &'a ApiScope<'a>,
    /// The API's enums, lowered.
    enums: &'a [Enum],
    /// The API's types, lowered.
    types: &'a [Type],
    /// The API's privacy family, or why it is unknown.
    privacy: &'a Result<Family, String>,
}

impl ActionScope<'_> {
    /// Whether `name` is an enum of the API.
    fn is_enum(&self, name: &str) -> bool {
        self.enums.iter().any(|e| e.name == name)
    }
}

/// A parameter checked on its own, before what it says of the others.
struct Checked<'a> {
    raw: &'a RawParam,
    rust: String,
    /// `None` when the type is unknown.
    ty: Option<ParamTy>,
    /// `ImageType` variants of the accepted formats.
    formats: Vec<String>,
}

/// Validate and lower. `sample_files` lists the `.xml` files found under `samples/<dir>/`
/// (relative to the spec dir), so that a sample on disk that no spec lists is an error.
pub fn lower(
    common: &Loaded<RawCommon>,
    apis: &[Loaded<RawApi>],
    spec_dir: &Path,
    sample_files: &[String],
) -> Result<Suite, SpecErrors> {
    let mut cx = Ctx::default();
    let (c, cf) = (&common.value, common.file.as_path());

    let (sources, sources_ir) = sources::lower(&mut cx, cf, c);
    common::transport(&mut cx, &sources, cf, c);
    let general_errors = common::general_errors(&mut cx, &sources, cf, c);
    let families = common::families(&mut cx, &sources, cf, c);
    let envelopes = envelopes::lower(&mut cx, &sources, cf, c);
    let facts = CommonFacts {
        sources,
        https_required: c.transport.https_required,
        families,
        envelopes,
        general_errors,
        spec_dir,
    };

    let mut listed_samples = BTreeSet::new();
    let common_samples = samples::common(&mut cx, &facts, cf, &c.samples, &mut listed_samples);
    let mut apis_ir = lower_apis(&mut cx, &facts, apis, &mut listed_samples);
    samples::unlisted(&mut cx, sample_files, &listed_samples);

    if !cx.errors.is_empty() {
        return Err(SpecErrors(cx.errors));
    }
    apis_ir.sort_by(|a, b| a.id.cmp(&b.id));
    let CommonFacts {
        general_errors,
        families,
        ..
    } = facts;
    Ok(Suite {
        common: common::assemble(c, general_errors, families, common_samples, sources_ir),
        apis: apis_ir,
    })
}

/// Every API file, in the order given; no two generate the same crate.
fn lower_apis(
    cx: &mut Ctx,
    facts: &CommonFacts,
    apis: &[Loaded<RawApi>],
    listed_samples: &mut BTreeSet<String>,
) -> Vec<Api> {
    let mut apis_ir = Vec::new();
    let mut crate_names = BTreeSet::new();
    for a in apis {
        let scope = ApiScope {
            file: &a.file,
            api: &a.value,
            common: facts,
        };
        let api = lower_api(cx, &scope, listed_samples);
        if !crate_names.insert(api.crate_name.clone()) {
            cx.err(
                &a.file,
                crate::spec::pos(&a.value.crate_name),
                format!("crate `{}` is generated by two spec files", api.crate_name),
                "give each API its own crate name",
            );
        }
        apis_ir.push(api);
    }
    apis_ir
}

/// The passes over one API file, in the order their errors are reported.
fn lower_api(cx: &mut Ctx, scope: &ApiScope, listed_samples: &mut BTreeSet<String>) -> Api {
    let a = scope.api;
    identity::check(cx, scope);
    let (production, integration) = endpoints::api(cx, scope);
    let privacy = references::privacy(cx, scope);
    let envelope = references::envelope(cx, scope);
    let errors = codes::lower(
        cx,
        &scope.common.sources,
        scope.file,
        &a.errors,
        &scope.common.general_errors,
    );
    let types::Declared { enums, types } = types::lower(cx, scope);
    let actions = actions::lower(
        cx,
        &ActionScope {
            api: scope,
            enums: &enums,
            types: &types,
            privacy: &privacy,
        },
    );
    let samples = samples::api(cx, scope, listed_samples);
    let undocumented_actions = notes::undocumented_actions(cx, scope);
    let left_out = notes::left_out(cx, scope);
    let sso = sso::lower(cx, scope);

    Api {
        id: a.api.value.clone(),
        file: scope.file.display().to_string(),
        crate_name: a.crate_name.value.clone(),
        title: a.title.clone(),
        doc: a.doc.trim().to_string(),
        source: a.source.value.clone(),
        path: a.endpoints.path.value.clone(),
        production,
        integration,
        privacy,
        envelope,
        undocumented_actions,
        left_out,
        sso,
        defects: a.defects.clone(),
        errors,
        enums,
        types,
        actions,
        samples,
    }
}
