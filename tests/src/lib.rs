//! Support for the cross-crate tests in `tests/tests/`: reading documented samples and
//! rendering what they decode to as stable, reviewable snapshot text.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use papi_core::{ApiCode, Error};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The `api-spec/` directory.
pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-spec")
}

/// The bytes of a sample file (path relative to `api-spec/`).
pub fn sample(rel: &str) -> Vec<u8> {
    let path = spec_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read sample {}: {e}", path.display()))
}

/// Snapshot text of a decode result: `ok` + the value, or `error: <kind>` + what the error
/// carries (never the raw body, which the sample file already holds). A decoded value must
/// also pass through JSON unchanged ([`json_round_trip`]).
pub fn outcome<T, S>(result: &Result<T, Error<S>>) -> String
where
    T: Debug + PartialEq + Serialize + DeserializeOwned,
    S: ApiCode,
{
    if let Ok(v) = result {
        json_round_trip(v);
    }
    outcome_text(result)
}

fn outcome_text<T: Debug, S: ApiCode>(result: &Result<T, Error<S>>) -> String {
    match result {
        Ok(v) => format!("ok\n{v:#?}"),
        Err(e) => error_text(e),
    }
}

/// Checks that an answer passes through JSON unchanged, as a web service handing it on would
/// send it: serialized with serde (Rust field names), read back, equal. Returns the JSON.
pub fn json_round_trip<T>(value: &T) -> String
where
    T: Debug + PartialEq + Serialize + DeserializeOwned,
{
    let json = serde_json::to_string(value)
        .unwrap_or_else(|e| panic!("cannot serialize {value:#?} to JSON: {e}"));
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("cannot read back {json} into {value:#?}: {e}"));
    assert_eq!(
        &back, value,
        "JSON round trip changed the value; JSON:\n{json}"
    );
    json
}

/// Snapshot text of an error.
pub fn error_text<S: ApiCode>(e: &Error<S>) -> String {
    match e {
        Error::Api(api) => {
            let mut s = format!(
                "error: api\nstatus: {}\nkind: {:?}\ncode: {}\ndetail: {:?}\nsubtype: {:?}\ndisplay: {}",
                api.status,
                api.kind,
                api.code,
                api.detail,
                api.subtype,
                api
            );
            if let Some(c) = &api.consent {
                s.push_str(&format!("\nconsent: {c:#?}"));
                match c.redirect_url("https://service.example/back?from=papi") {
                    Ok(u) => s.push_str(&format!("\nredirect: {u}")),
                    Err(err) => s.push_str(&format!("\nredirect error: {err}")),
                }
            }
            s
        }
        Error::Decode(d) => format!("error: decode\n{d}\n{:#?}", d.kind),
        other => format!("error: other\n{other}"),
    }
}

/// Snapshot text of a standalone documented fragment decoded as `T`.
pub fn fragment_outcome<T>(root: &str, body: &[u8]) -> String
where
    T: Debug + PartialEq + Serialize + DeserializeOwned + papi_core::de::FromXml,
{
    match papi_core::decode::fragment::<T>(root, body) {
        Ok(v) => {
            json_round_trip(&v);
            format!("ok\n{v:#?}")
        }
        Err(d) => format!("error: decode\n{d}\n{:#?}", d.kind),
    }
}

/// Snapshot text of a general error document (`<error>…`), which any API may answer. It is
/// decoded as the runtime decodes it for every API, through a descriptor of no API.
pub fn general_outcome(status: u16, body: &[u8]) -> String {
    outcome_text(&papi_core::decode::general::<i64>(status, body))
}

/// The README's examples, compiled as doctests so that they stay true.
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Like [`outcome`], and when the value decoded, checks that encoding it and decoding the
/// encoding gives the same value (the sandbox's answers are encoded this way).
pub fn outcome_with_round_trip<T, S>(
    result: &Result<T, Error<S>>,
    encode: impl Fn(&T) -> Result<String, papi_core::encode::EncodeError>,
    decode: impl Fn(u16, &[u8]) -> Result<T, Error<S>>,
) -> String
where
    T: Debug + PartialEq + Serialize + DeserializeOwned,
    S: ApiCode,
{
    if let Ok(value) = result {
        let xml = encode(value).unwrap_or_else(|e| panic!("cannot encode {value:#?}: {e}"));
        match decode(200, xml.as_bytes()) {
            Ok(again) => assert_eq!(
                &again, value,
                "round trip changed the value; encoded as:\n{xml}"
            ),
            Err(e) => panic!("the encoding does not decode: {}\n{xml}", error_text(&e)),
        }
    }
    outcome(result)
}
