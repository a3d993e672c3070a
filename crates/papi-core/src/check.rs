//! Parameter checks, called by generated methods before anything is sent.
//! Each failure names the parameter.

use std::borrow::Cow;

use crate::error::ParamError;
use crate::value::{ImageType, Upload};

/// The user token is mandatory on every call: an empty (or blank) token is refused before
/// anything is sent, naming the token parameter.
pub fn token(token: &crate::UserToken) -> Result<(), ParamError> {
    not_empty(crate::general::TOKEN_PARAM, token.expose())
}

/// A mandatory value must not be empty or only whitespace.
pub fn not_empty(param: &'static str, value: &str) -> Result<(), ParamError> {
    if value.trim().is_empty() {
        Err(ParamError::Empty { param })
    } else {
        Ok(())
    }
}

/// The value must not hold any of `forbidden` (e.g. `*` in a contact search).
pub fn forbid_chars(
    param: &'static str,
    value: &str,
    forbidden: &[char],
) -> Result<(), ParamError> {
    match value.chars().find(|c| forbidden.contains(c)) {
        Some(ch) => Err(ParamError::ForbiddenChar { param, ch }),
        None => Ok(()),
    }
}

/// Whether XML 1.0 forbids `c` in a document: the C0 control characters other than tab,
/// line feed and carriage return (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F), and the
/// non-characters U+FFFE and U+FFFF.
pub fn is_forbidden_in_xml(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// The value must hold no character XML 1.0 forbids (see [`is_forbidden_in_xml`]): a
/// server would put it in an XML answer that strict parsers refuse.
pub fn xml_text(param: &'static str, value: &str) -> Result<(), ParamError> {
    match value.chars().find(|c| is_forbidden_in_xml(*c)) {
        Some(ch) => Err(ParamError::ForbiddenChar { param, ch }),
        None => Ok(()),
    }
}

/// At least one parameter of a group must be set; `present[i]` says whether `params[i]` is.
pub fn at_least_one_of(
    params: &'static [&'static str],
    present: &[bool],
) -> Result<(), ParamError> {
    if present.iter().any(|p| *p) {
        Ok(())
    } else {
        Err(ParamError::AtLeastOneOf { params })
    }
}

/// An enum value must be one of the documented ones; `known` is false for a value the
/// generated enum does not know (e.g. its `Other(String)` variant).
pub fn known_enum(
    param: &'static str,
    value: &str,
    known: bool,
    allowed: &'static [&'static str],
) -> Result<(), ParamError> {
    if known {
        Ok(())
    } else {
        Err(ParamError::InvalidEnum {
            param,
            value: value.to_owned(),
            allowed,
        })
    }
}

/// `(value, other_value)` must be one of the documented `pairs` (e.g. a device type and
/// its subtypes).
pub fn allowed_pair(
    param: &'static str,
    value: &str,
    other: &'static str,
    other_value: &str,
    pairs: &'static [(&'static str, &'static str)],
) -> Result<(), ParamError> {
    if pairs.iter().any(|(a, b)| *a == value && *b == other_value) {
        Ok(())
    } else {
        Err(ParamError::InvalidCombination {
            param,
            value: value.to_owned(),
            other,
            other_value: other_value.to_owned(),
        })
    }
}

/// A list parameter needs at least one value.
pub fn non_empty_list(param: &'static str, len: usize) -> Result<(), ParamError> {
    if len == 0 {
        Err(ParamError::EmptyList { param })
    } else {
        Ok(())
    }
}

/// An uploaded image must be non-empty and, by its bytes, one of `accepted`.
pub fn image_upload(
    param: &'static str,
    upload: &Upload,
    accepted: &[ImageType],
) -> Result<(), ParamError> {
    let accepted_list = || {
        accepted
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if upload.bytes().is_empty() {
        return Err(ParamError::UnsupportedFile {
            param,
            reason: format!("{:?} is empty", upload.filename()),
        });
    }
    match upload.image_type() {
        Some(t) if accepted.contains(t) => Ok(()),
        Some(t) => Err(ParamError::UnsupportedFile {
            param,
            reason: format!(
                "{:?} is a {t} image; accepted: {}",
                upload.filename(),
                accepted_list()
            ),
        }),
        None => Err(ParamError::UnsupportedFile {
            param,
            reason: format!(
                "{:?} is not a recognisable image; accepted: {}",
                upload.filename(),
                accepted_list()
            ),
        }),
    }
}

/// Puts a "complex" search string between double quotes, as the Contacts documentation
/// asks (`complex string` → `"complex string"`, sent as `%22complex+string%22`).
///
/// Complex means: holding any character other than letters, digits, `-`, `_` and `.`.
/// Empty strings, simple strings and strings already between quotes are returned as is.
pub fn quote_if_complex(value: &str) -> Cow<'_, str> {
    let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
    let simple = value
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if quoted || simple {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("\"{value}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_blank_token_is_refused() {
        for t in ["", "  "] {
            assert!(matches!(
                token(&crate::UserToken::new(t)),
                Err(ParamError::Empty { param: "token" })
            ));
        }
        assert!(token(&crate::UserToken::new("abc")).is_ok());
    }

    #[test]
    fn characters_xml_forbids_are_refused() {
        for bad in ["a\u{1}b", "\u{0}", "x\u{b}", "\u{1f}", "\u{fffe}"] {
            assert!(matches!(
                xml_text("lastname", bad),
                Err(ParamError::ForbiddenChar {
                    param: "lastname",
                    ..
                })
            ));
        }
        for good in ["plain", "tab\there", "lines\r\n", "é€😀", ""] {
            assert!(xml_text("lastname", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_if_complex("Orange"), "Orange");
        assert_eq!(quote_if_complex("Jean-Luc"), "Jean-Luc");
        assert_eq!(quote_if_complex("Zoë"), "Zoë");
        assert_eq!(quote_if_complex(""), "");
        assert_eq!(quote_if_complex("complex string"), "\"complex string\"");
        assert_eq!(quote_if_complex("a+b"), "\"a+b\"");
        assert_eq!(quote_if_complex("\"already quoted\""), "\"already quoted\"");
        assert_eq!(quote_if_complex("\""), "\"\"\"");
        assert!(matches!(quote_if_complex("Orange"), Cow::Borrowed(_)));
    }

    #[test]
    fn not_empty_check() {
        assert_eq!(not_empty("cid", "C1"), Ok(()));
        assert_eq!(
            not_empty("cid", ""),
            Err(ParamError::Empty { param: "cid" })
        );
        assert_eq!(
            not_empty("cid", " \t"),
            Err(ParamError::Empty { param: "cid" })
        );
    }

    #[test]
    fn forbidden_chars() {
        assert_eq!(forbid_chars("search", "Orange", &['*']), Ok(()));
        let e = forbid_chars("search", "Ora*", &['*']).unwrap_err();
        assert_eq!(
            e,
            ParamError::ForbiddenChar {
                param: "search",
                ch: '*'
            }
        );
        assert_eq!(e.to_string(), "parameter `search` must not contain '*'");
    }

    #[test]
    fn at_least_one() {
        const P: &[&str] = &["lastname", "firstname"];
        assert_eq!(at_least_one_of(P, &[false, true]), Ok(()));
        let e = at_least_one_of(P, &[false, false]).unwrap_err();
        assert_eq!(e, ParamError::AtLeastOneOf { params: P });
        assert_eq!(
            e.to_string(),
            "at least one of `lastname`, `firstname` must be set"
        );
        assert!(at_least_one_of(P, &[]).is_err());
    }

    #[test]
    fn enums() {
        const A: &[&str] = &["email", "phone"];
        assert_eq!(known_enum("type", "email", true, A), Ok(()));
        let e = known_enum("type", "fax", false, A).unwrap_err();
        assert_eq!(
            e,
            ParamError::InvalidEnum {
                param: "type",
                value: "fax".into(),
                allowed: A
            }
        );
        assert!(e.to_string().contains("`email`, `phone`"));
    }

    #[test]
    fn pairs() {
        const P: &[(&str, &str)] = &[("email", "internet"), ("phone", "voice"), ("phone", "fax")];
        assert_eq!(allowed_pair("type", "phone", "subtype", "fax", P), Ok(()));
        assert_eq!(
            allowed_pair("type", "email", "subtype", "voice", P),
            Err(ParamError::InvalidCombination {
                param: "type",
                value: "email".into(),
                other: "subtype",
                other_value: "voice".into()
            })
        );
    }

    #[test]
    fn lists() {
        assert_eq!(non_empty_list("ids", 2), Ok(()));
        assert_eq!(
            non_empty_list("ids", 0),
            Err(ParamError::EmptyList { param: "ids" })
        );
    }

    #[test]
    fn images() {
        const OK: &[ImageType] = &[ImageType::Jpeg, ImageType::Gif, ImageType::Bmp];
        let jpeg = Upload::new(vec![0xFF, 0xD8, 0xFF, 0xE0], "p.jpg");
        assert_eq!(image_upload("file", &jpeg, OK), Ok(()));
        let png = Upload::new(b"\x89PNG\r\n\x1a\n".to_vec(), "p.png");
        let e = image_upload("file", &png, OK).unwrap_err();
        assert!(
            e.to_string()
                .contains("PNG image; accepted: JPEG, GIF, BMP"),
            "{e}"
        );
        assert!(image_upload("file", &Upload::new(Vec::new(), "e.jpg"), OK).is_err());
        assert!(image_upload("file", &Upload::new(b"hello".to_vec(), "t.txt"), OK).is_err());
    }
}
