//! The form the identity provider's answer is posted with.

use std::fmt;

use crate::error::AuthError;

/// Largest form (sum of the field values) accepted, in bytes: 1 MiB.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The fields of the form posted to the assertion consumer URL, after form decoding:
/// `SAMLResponse`, and for the HTTP-POST-SimpleSign binding `SigAlg`, `Signature` and the
/// optional `KeyInfo`, plus `RelayState`.
///
/// Values are kept exactly as posted (base64 text with any line breaks): the SimpleSign
/// signature covers them as they are. `Debug` shows only the sizes of `SAMLResponse`,
/// `Signature` and `KeyInfo` (the response carries the user token).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PostedForm {
    saml_response: String,
    relay_state: Option<String>,
    sig_alg: Option<String>,
    signature: Option<String>,
    key_info: Option<String>,
}

impl PostedForm {
    /// Parses an `application/x-www-form-urlencoded` request body.
    pub fn parse(body: &[u8]) -> Result<Self, AuthError> {
        if body.len() > 3 * MAX_FORM_BYTES {
            return Err(AuthError::TooLarge {
                limit: MAX_FORM_BYTES,
            });
        }
        Self::from_pairs(url::form_urlencoded::parse(body))
    }

    /// Builds the form from decoded name/value pairs, such as a web framework's form map.
    ///
    /// Unknown fields are ignored; a known field given twice, a missing `SAMLResponse` or a
    /// form that carries a `SAMLRequest` instead is a [`AuthError::MalformedForm`].
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self, AuthError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut saml_response = None;
        let mut form = Self::default();
        let mut total = 0usize;
        let mut saw_request = false;
        for (key, value) in pairs {
            let value = value.as_ref();
            total = total.saturating_add(value.len());
            if total > MAX_FORM_BYTES {
                return Err(AuthError::TooLarge {
                    limit: MAX_FORM_BYTES,
                });
            }
            let slot = match key.as_ref() {
                "SAMLResponse" => &mut saml_response,
                "RelayState" => &mut form.relay_state,
                "SigAlg" => &mut form.sig_alg,
                "Signature" => &mut form.signature,
                "KeyInfo" => &mut form.key_info,
                "SAMLRequest" => {
                    saw_request = true;
                    continue;
                }
                _ => continue,
            };
            if slot.is_some() {
                return Err(AuthError::form(format!(
                    "field {} given more than once",
                    key.as_ref()
                )));
            }
            *slot = Some(value.to_owned());
        }
        form.saml_response = match saml_response {
            Some(r) if !r.trim().is_empty() => r,
            Some(_) => return Err(AuthError::form("the SAMLResponse field is empty")),
            None if saw_request => {
                return Err(AuthError::form(
                    "the form carries a SAMLRequest, not a SAMLResponse",
                ))
            }
            None => return Err(AuthError::form("no SAMLResponse field")),
        };
        Ok(form)
    }

    /// The `SAMLResponse` field (base64 of the response document).
    pub fn saml_response(&self) -> &str {
        &self.saml_response
    }

    /// The `RelayState` field.
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_deref()
    }

    /// The `SigAlg` field.
    pub fn sig_alg(&self) -> Option<&str> {
        self.sig_alg.as_deref()
    }

    /// The `Signature` field.
    pub fn signature(&self) -> Option<&str> {
        self.signature.as_deref()
    }

    /// The `KeyInfo` field. It is never used to choose the verifying key: only the keys
    /// configured for the identity provider are trusted.
    pub fn key_info(&self) -> Option<&str> {
        self.key_info.as_deref()
    }
}

impl fmt::Debug for PostedForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Len(usize);
        impl fmt::Debug for Len {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{} bytes>", self.0)
            }
        }
        f.debug_struct("PostedForm")
            .field("saml_response", &Len(self.saml_response.len()))
            .field("relay_state", &self.relay_state)
            .field("sig_alg", &self.sig_alg)
            .field("signature", &self.signature.as_ref().map(|s| Len(s.len())))
            .field("key_info", &self.key_info.as_ref().map(|s| Len(s.len())))
            .finish()
    }
}
