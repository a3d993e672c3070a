//! `deserialize_with` helpers for generated types.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::{Deserialize, Deserializer, Error as _};

/// An element or attribute that may be absent or empty: missing, empty or whitespace-only
/// gives `None`, anything else is trimmed and parsed with [`FromStr`].
///
/// Use with `#[serde(default, deserialize_with = "papi_core::de::empty_as_none")]`
/// (quick-xml reads an empty `<b/>` as `Some("")` and refuses it as a number).
pub fn empty_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|e| {
            D::Error::custom(format!(
                "expected {}, found {t:?}: {e}",
                std::any::type_name::<T>()
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Row {
        #[serde(rename = "n", default, deserialize_with = "super::empty_as_none")]
        n: Option<u32>,
        #[serde(rename = "@total", default, deserialize_with = "super::empty_as_none")]
        total: Option<i64>,
    }

    #[test]
    fn empty_missing_blank_and_values() {
        let r: Row = quick_xml::de::from_str("<r><n/></r>").unwrap();
        assert_eq!(r.n, None);
        assert_eq!(r.total, None);
        let r: Row = quick_xml::de::from_str("<r total=\" 7 \"><n>  </n></r>").unwrap();
        assert_eq!((r.n, r.total), (None, Some(7)));
        let r: Row = quick_xml::de::from_str("<r><n> 42 </n></r>").unwrap();
        assert_eq!(r.n, Some(42));
        let err = quick_xml::de::from_str::<Row>("<r><n>x</n></r>").unwrap_err();
        assert!(err.to_string().contains("expected u32"), "{err}");
    }
}
