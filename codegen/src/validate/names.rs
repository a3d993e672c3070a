//! Naming rules: Rust identifiers (snake_case, UpperCamelCase, names the generated code
//! reserves) and XML names (wire names written and matched as literals).

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Identifiers that cannot be written even as raw identifiers.
const UNUSABLE: &[&str] = &["self", "super", "crate", "Self"];

/// Whether `name` is an XML name without a namespace prefix (an NCName of XML 1.0 fifth
/// edition / XML 1.1): the generated encoders write wire names as literals, unchecked, and the
/// generated decoders match elements and attributes by their local name, so a `:` could never
/// match. The character classes are quick-xml's (its serializer checks element names by
/// them), less `:`.
pub fn is_xml_ncname(name: &str) -> bool {
    let mut sink = String::new();
    !name.is_empty()
        && !name.contains(':')
        && quick_xml::se::Serializer::with_root(&mut sink, Some(name)).is_ok()
}

pub(super) const XML_NAME_FIX: &str = "write the name as on the wire: a letter or `_` first, then letters, digits, `-`, `_` or `.` (no `:`, spaces or markup)";

pub(super) fn is_snake(s: &str) -> bool {
    !UNUSABLE.contains(&s)
        && !s.is_empty()
        && s.to_snake_case() == s
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn is_camel(s: &str) -> bool {
    !UNUSABLE.contains(&s)
        && !s.is_empty()
        && s.to_upper_camel_case() == s
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Names the generated code reserves inside a crate.
pub(super) const RESERVED_TYPES: &[&str] = &["Client", "Error", "ErrorCode", "Result", "API"];
