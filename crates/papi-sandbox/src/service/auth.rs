//! Authenticating the service and the users, issuing user tokens, and authorizing a call
//! by its token.

use std::time::{Instant, SystemTime};

use crate::domain::token::{
    instant_after, laid_out_token, token_hash, unix_ms, IssuedToken, TokenProblem,
};
use crate::domain::user::TestUser;
use crate::service::state::Service;
use crate::util::random::random_hex;
use crate::util::secret::constant_time_eq;

impl Service {
    /// Whether these are the configured service's credentials (both compared in constant
    /// time, whatever the first gives).
    pub(crate) fn service_credentials_ok(&self, id: &str, password: &str) -> bool {
        let settings = &self.settings;
        let id_ok = constant_time_eq(id.as_bytes(), settings.service_id.as_bytes());
        let password_ok =
            constant_time_eq(password.as_bytes(), settings.service_password.as_bytes());
        id_ok & password_ok
    }

    /// Whether an `Authorization` header value is, byte for byte, the one clients send for
    /// the service's credentials (compared in constant time). Other spellings (another
    /// case of `Basic`, spaces) are not refused by this: they are decoded and checked by
    /// [`Service::service_credentials_ok`].
    pub(crate) fn is_service_authorization(&self, value: &[u8]) -> bool {
        constant_time_eq(value, &self.basic_authorization)
    }

    /// Checks a login and password in constant time with respect to the password.
    pub(crate) fn check_password(&self, login: &str, password: &str) -> bool {
        self.user(login)
            .is_some_and(|u| constant_time_eq(u.password.as_bytes(), password.as_bytes()))
    }

    /// A new token for `login`, laid out as the spec's token layout says (its expiry field
    /// giving the token's expiry), random elsewhere; `None` for an unknown user, or when
    /// the token cannot be made or kept (logged).
    pub(crate) fn issue_token(&self, login: &str) -> Option<papi_core::UserToken> {
        self.user(login)?;
        let lifetime = self.settings.token_lifetime;
        let expires = instant_after(Instant::now(), lifetime);
        let expires_ms = SystemTime::now()
            .checked_add(lifetime)
            .map_or(i64::MAX, unix_ms);
        let token = laid_out_token(&random_hex(16)?, &random_hex(16)?, expires_ms / 1000);
        let issued = IssuedToken {
            hash: token_hash(&token),
            login: login.to_owned(),
            expires,
            expires_ms,
        };
        if let Err(e) = self.store().save_token(issued) {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot store a token");
            return None;
        }
        Some(papi_core::UserToken::new(token))
    }

    /// The user a call is made for, by its token.
    pub(crate) fn authorize(&self, token: Option<&str>) -> Result<&TestUser, TokenProblem> {
        let token = token.ok_or(TokenProblem::Missing)?;
        let login = self.store().token_user(&token_hash(token))?;
        // A token of a user since removed from the configuration.
        self.user(&login).ok_or(TokenProblem::Unknown)
    }
}
