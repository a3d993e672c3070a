//! The identity provider: its signing key, its entity id and single sign-on URL on the
//! sandbox's base URL, and the services it answers (the sign-ins in progress are the
//! store's: [`crate::domain::sign_in`]).

use url::Url;

use crate::domain::origin::Origins;
use crate::idp::response::name_id_format;
use crate::idp::signing::Signing;

/// `GET`: the single sign-on service (HTTP-Redirect binding).
pub(crate) const SSO_PATH: &str = "/saml/sso";
/// `GET`: the identity provider's SAML 2.0 metadata.
pub(crate) const METADATA_PATH: &str = "/saml/metadata";
/// The identity provider's entity id: this path on the sandbox's base URL (not a route).
const ENTITY_PATH: &str = "/saml/idp";

/// The identity provider's state.
pub(crate) struct Idp {
    /// The signing key, or why there is none (the SAML routes then answer 500).
    pub(crate) signing: Result<Signing, String>,
    /// Where the answers may be posted: loopback, and the configured origins.
    acs_origins: Origins,
}

impl Idp {
    /// The identity provider signing with `signing` (or without a key: why, logged);
    /// answers the services on loopback and at `acs_origins`.
    pub(crate) fn new(signing: Result<Signing, String>, acs_origins: Origins) -> Self {
        if let Err(e) = &signing {
            tracing::error!(target: "papi_sandbox", error = %e, "no SAML signing key");
        }
        Self {
            signing,
            acs_origins,
        }
    }

    /// Whether the identity provider posts answers to the assertion consumer URL `acs`.
    pub(crate) fn answers_to(&self, acs: &Url) -> bool {
        self.acs_origins.allow(acs)
    }

    /// The configuration papi-auth needs to trust the identity provider of the sandbox
    /// served at `base`.
    pub(crate) fn identity_provider(
        &self,
        base: &Url,
    ) -> Result<papi_auth::IdentityProviderConfig, papi_auth::AuthError> {
        let signing = self
            .signing
            .as_ref()
            .map_err(|_| papi_auth::AuthError::NoTrustedKey)?;
        papi_auth::IdentityProviderConfig::new(entity_id(base), &sso_url(base))?
            .with_nameid_formats(name_id_format())
            .with_certificate_pem(&signing.certificate_pem)
    }
}

/// `path` (as routed, from `/`) on the sandbox at `base`, kept under `base`'s own path.
fn at(base: &Url, path: &str) -> String {
    let relative = path.trim_start_matches('/');
    base.join(relative)
        .map_or_else(|_| format!("{base}{relative}"), |u| u.to_string())
}

/// The identity provider's entity id for a sandbox at `base` (`{base}saml/idp`).
pub(crate) fn entity_id(base: &Url) -> String {
    at(base, ENTITY_PATH)
}

/// The single sign-on URL for a sandbox at `base` (`{base}saml/sso`).
pub(crate) fn sso_url(base: &Url) -> String {
    at(base, SSO_PATH)
}

/// The metadata URL for a sandbox at `base` (`{base}saml/metadata`).
pub(crate) fn metadata_url(base: &Url) -> String {
    at(base, METADATA_PATH)
}
