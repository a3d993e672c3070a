//! One call being answered, as its handler sees it: authenticated, valid and consented.

use papi_core::Consented;

use crate::api::answer::Answer;
use crate::api::endpoint::Endpoint;
use crate::domain::user::TestUser;
use crate::domain::user::UserData;
use crate::generated::{Api, INVALID_TOKEN};
use crate::service::state::Service;
use crate::store::{read_user, Store};

/// One call being answered.
pub(crate) struct Call<'a> {
    pub(crate) service: &'a Service,
    pub(crate) user: &'a TestUser,
    pub(crate) endpoint: Endpoint,
    pub(crate) api: &'static Api,
    /// The user refused consent: consented items come back protected.
    pub(crate) protected: bool,
}

impl Call<'_> {
    /// The API's answer to an invalid parameter.
    pub(crate) fn invalid(&self, detail: String) -> Answer {
        Answer::api(self.endpoint, self.api.invalid_parameter, detail)
    }

    /// The answer to a contact id (sent as `param`) that names no contact of the user.
    pub(crate) fn unknown_contact(&self, param: &str, cid: &str) -> Answer {
        self.invalid(format!(
            "the parameter `{param}` names no contact of the user (`{}`)",
            clip(cid)
        ))
    }

    /// The answer when the store does not know the user (removed since the token was
    /// checked): the token's user is unknown.
    pub(crate) fn user_gone(&self) -> Answer {
        Answer::general(INVALID_TOKEN, "the token's user is unknown", None)
    }

    /// The user's login.
    pub(crate) fn login(&self) -> &str {
        &self.user.login
    }

    /// Reads the user's data with `read`; else the answer to give: the user is unknown
    /// (removed since the token was checked), or the store cannot be read.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&UserData) -> T) -> Result<T, Answer> {
        match read_user(self.store(), self.login(), read) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(self.user_gone()),
            Err(e) => Err(Answer::not_read(&e)),
        }
    }

    /// The store of the user's data.
    pub(crate) fn store(&self) -> &dyn Store {
        self.service.store()
    }

    /// A consented item: the value, or protected when the user refused consent.
    pub(crate) fn consented<T>(&self, value: T) -> Consented<T> {
        if self.protected {
            Consented::Protected
        } else {
            Consented::Granted(value)
        }
    }
}

/// A value echoed in a detail, cut short.
pub(crate) fn clip(value: &str) -> String {
    const LIMIT: usize = 64;
    let mut s: String = value.chars().take(LIMIT).collect();
    if value.chars().nth(LIMIT).is_some() {
        s.push('…');
    }
    s
}
