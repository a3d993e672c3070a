//! An API file's identity: its source, a snake_case id that is also the file's name, and a
//! crate named `papi-<id>` in kebab-case.

use heck::ToSnakeCase;

use super::names::is_snake;
use super::{ApiScope, Ctx};
use crate::spec::pos;

/// The API's source, id, file name and crate name.
pub(super) fn check(cx: &mut Ctx, scope: &ApiScope) {
    let (a, f) = (scope.api, scope.file);
    scope.source(cx, &a.source);

    if !is_snake(&a.api.value) {
        cx.err(
            f,
            pos(&a.api),
            format!("api id `{}` is not snake_case", a.api.value),
            format!(
                "write it as `{}` (and name the file after it)",
                a.api.value.to_snake_case()
            ),
        );
    }
    let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if a.api.value != stem {
        cx.err(
            f,
            pos(&a.api),
            format!(
                "api id `{}` differs from the file name `{stem}.yaml`",
                a.api.value
            ),
            format!("name the file {}.yaml or set `api: {stem}`", a.api.value),
        );
    }
    let crate_ok = a
        .crate_name
        .value
        .strip_prefix("papi-")
        .is_some_and(|rest| {
            !rest.is_empty() && rest.replace('-', "_").to_snake_case() == rest.replace('-', "_")
        });
    if !crate_ok {
        cx.err(
            f,
            pos(&a.crate_name),
            format!(
                "crate `{}` does not follow the naming rule",
                a.crate_name.value
            ),
            format!(
                "use `papi-` and kebab-case, e.g. `papi-{}`",
                a.api.value.replace('_', "-")
            ),
        );
    }
}
