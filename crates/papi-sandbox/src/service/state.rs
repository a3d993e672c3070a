//! What the service holds: its settings, the users, the seed data, the store, and the base
//! URL the sandbox is reached at.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use url::Url;

use crate::domain::consent::AutoConsent;
use crate::domain::faults::FaultInjector;
use crate::domain::limits::ContactLimits;
use crate::domain::origin::Origins;
use crate::domain::seeds::Seeds;
use crate::domain::user::TestUser;
use crate::store::Store;

/// What the service is configured with.
pub(crate) struct Settings {
    /// The accepted service id (HTTP Basic user name).
    pub(crate) service_id: String,
    /// The accepted service password (HTTP Basic password).
    pub(crate) service_password: String,
    /// The users who can get a token; the first of a login wins.
    pub(crate) users: Vec<TestUser>,
    /// How long an issued token stays valid.
    pub(crate) token_lifetime: Duration,
    /// The service's web sites: where a consent page may send the user back to (with
    /// loopback).
    pub(crate) site_origins: Origins,
    /// How much one contact may hold.
    pub(crate) contact_limits: ContactLimits,
    /// The families whose calls skip consent.
    pub(crate) auto_consent: AutoConsent,
    /// The URL the sandbox is reached at from outside, when a proxy stands in front of it
    /// ([`crate::SandboxConfig::public_url`]).
    pub(crate) public_origin: Option<Url>,
}

/// The sandbox's service: its settings, users and store.
pub(crate) struct Service {
    pub(crate) settings: Settings,
    /// The faults injected on purpose.
    pub(crate) faults: FaultInjector,
    /// The users by login.
    users: HashMap<String, TestUser>,
    pub(crate) seeds: Seeds,
    store: Box<dyn Store>,
    bound_base: RwLock<Option<Url>>,
    /// `Basic <base64 of id:password>`, as clients send it: most calls are checked by one
    /// comparison with it (see [`Service::is_service_authorization`]).
    pub(super) basic_authorization: Vec<u8>,
}

impl Service {
    /// A service keeping its data in `store` (which knows the users of `settings`).
    pub(crate) fn new(
        settings: Settings,
        seeds: Seeds,
        store: Box<dyn Store>,
        faults: FaultInjector,
    ) -> Self {
        let mut users = HashMap::new();
        for user in &settings.users {
            users
                .entry(user.login.clone())
                .or_insert_with(|| user.clone());
        }
        let basic_authorization = basic_authorization(&settings);
        Self {
            basic_authorization,
            settings,
            faults,
            users,
            seeds,
            store,
            bound_base: RwLock::new(None),
        }
    }

    /// The store.
    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The user of that login.
    pub(crate) fn user(&self, login: &str) -> Option<&TestUser> {
        self.users.get(login)
    }

    /// Records the address the sandbox is served at.
    pub(crate) fn set_bound_base(&self, base: Url) {
        *self
            .bound_base
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(base);
    }

    /// The sandbox's base URL: the bound one, else the one of `host`, the `Host` header the
    /// client reached it with (when served through a router without binding).
    pub(crate) fn base_url(&self, host: Option<&str>) -> Option<Url> {
        // The bound address wins: the Host header is the caller's to choose.
        let bound = self
            .bound_base
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        bound.or_else(|| {
            host.and_then(|h| Url::parse(&format!("http://{h}/")).ok())
                .filter(|u| {
                    u.path() == "/"
                        && u.query().is_none()
                        && u.username().is_empty()
                        && u.password().is_none()
                })
        })
    }
}

/// The `Authorization` header value clients send for the service's credentials.
fn basic_authorization(settings: &Settings) -> Vec<u8> {
    use base64::Engine as _;
    let pair = format!("{}:{}", settings.service_id, settings.service_password);
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
    format!("Basic {encoded}").into_bytes()
}
