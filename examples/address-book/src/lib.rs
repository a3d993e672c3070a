//! A downstream crate as a papi user writes one: a service that puts a person in the
//! user's Orange address book unless they are already there, and says what to do when it
//! cannot. Its tests (`tests/sandbox.rs`) run against the papi sandbox with
//! `auto_consent` (tests not about consent) and with injected faults (how the service
//! copes when Orange fails).

use papi_contacts::operation::AddContact;
use papi_contacts::Client;
use papi_core::{Error, UserToken};

/// What [`add_if_missing`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// The person was added, with this contact id.
    New(String),
    /// A contact of that last name was already there, with this id.
    Existing(String),
}

/// Why [`add_if_missing`] did not do it, as the service acts on it.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The user must consent first: send the browser to this URL.
    #[error("the user must consent first")]
    NeedsConsent(String),
    /// Orange failed or could not be reached: try again later.
    #[error("the address book is unavailable; try again later")]
    Unavailable(#[source] papi_contacts::Error),
    /// Anything else: a bug or a refused request.
    #[error("the address book refused the change")]
    Refused(#[source] papi_contacts::Error),
}

impl From<papi_contacts::Error> for SyncError {
    fn from(e: papi_contacts::Error) -> Self {
        if let Some(consent) = e.consent() {
            if let Ok(url) = consent.redirect_url("https://my.service.example/back") {
                return SyncError::NeedsConsent(url.to_string());
            }
        }
        let server_side = match &e {
            Error::Transport(_) | Error::UnexpectedStatus { .. } | Error::Decode(_) => true,
            Error::Api(api) => api.status >= 500 || e.is_retryable(),
            _ => false,
        };
        if server_side {
            SyncError::Unavailable(e)
        } else {
            SyncError::Refused(e)
        }
    }
}

/// Adds a contact named `lastname` to the user's address book unless one is there.
pub async fn add_if_missing(
    client: &Client,
    token: &UserToken,
    lastname: &str,
) -> Result<Added, SyncError> {
    let found = client.find_contact_list(token, lastname).await?;
    let existing = found
        .contacts
        .iter()
        .flat_map(|list| &list.entries)
        .find(|entry| entry.lastname.as_deref() == Some(lastname));
    if let Some(entry) = existing {
        return Ok(Added::Existing(entry.id.clone()));
    }
    let added = client
        .add_contact(token, AddContact::new().lastname(lastname))
        .await?;
    Ok(Added::New(added.id))
}
