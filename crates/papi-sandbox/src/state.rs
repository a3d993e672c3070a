//! The sandbox's in-memory state: tokens, users and their data, consents.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Instant;

use papi_contacts::types::{Contact, ContactSummary};
use papi_messages::types::{EmailsLastNDetailed, MailList};
use url::Url;

use crate::http::{endpoints, Endpoint};
use crate::privacy::Consents;
use crate::saml::Idp;
use crate::seeds::Seeds;
use crate::{SandboxConfig, TestUser};

/// Locks a mutex; a panic elsewhere while holding it leaves data that is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `n` random bytes from the system's source, as lowercase hex.
pub(crate) fn random_hex(n: usize) -> Option<String> {
    let mut bytes = vec![0u8; n];
    if let Err(e) = getrandom::getrandom(&mut bytes) {
        tracing::error!(target: "papi_sandbox", error = %e, "no randomness available");
        return None;
    }
    let mut s = String::with_capacity(2 * n);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    Some(s)
}

/// Everything a sandbox shares between its clones.
pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    pub(crate) seeds: Seeds,
    /// Served paths (with and without environment prefixes).
    pub(crate) endpoints: HashMap<String, Endpoint>,
    pub(crate) users: HashMap<String, User>,
    tokens: Mutex<HashMap<String, TokenEntry>>,
    pub(crate) consents: Mutex<Consents>,
    /// The SAML identity provider: signing key and sign-ins in progress.
    pub(crate) idp: Idp,
    bound_base: RwLock<Option<Url>>,
}

/// A user and their data.
pub(crate) struct User {
    pub(crate) profile: TestUser,
    pub(crate) data: Mutex<UserData>,
}

struct TokenEntry {
    login: String,
    expires: Instant,
}

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Missing,
    Unknown,
    Expired,
}

impl TokenProblem {
    pub(crate) fn explain(self) -> &'static str {
        match self {
            TokenProblem::Missing => "no user token was sent",
            TokenProblem::Unknown => "the user token is unknown",
            TokenProblem::Expired => "the user token has expired",
        }
    }
}

impl Shared {
    pub(crate) fn new(config: SandboxConfig) -> Self {
        let seeds = Seeds::load();
        let mut users = HashMap::new();
        for user in &config.users {
            users.entry(user.login.clone()).or_insert_with(|| User {
                profile: user.clone(),
                data: Mutex::new(UserData::seeded(&seeds)),
            });
        }
        Self {
            config,
            seeds,
            endpoints: endpoints(),
            users,
            tokens: Mutex::new(HashMap::new()),
            consents: Mutex::new(Consents::default()),
            idp: Idp::new(),
            bound_base: RwLock::new(None),
        }
    }

    pub(crate) fn set_bound_base(&self, base: Url) {
        *self
            .bound_base
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(base);
    }

    pub(crate) fn bound_base(&self) -> Option<Url> {
        self.bound_base
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn issue_token(&self, login: &str) -> Option<papi_core::UserToken> {
        if !self.users.contains_key(login) {
            return None;
        }
        let token = random_hex(32)?;
        let now = Instant::now();
        let expires = now + self.config.token_lifetime;
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, entry| entry.expires > now);
        tokens.insert(
            token.clone(),
            TokenEntry {
                login: login.to_owned(),
                expires,
            },
        );
        Some(papi_core::UserToken::new(token))
    }

    /// The login of the token's user.
    pub(crate) fn user_of(&self, token: Option<&str>) -> Result<String, TokenProblem> {
        let token = token.ok_or(TokenProblem::Missing)?;
        let mut tokens = lock(&self.tokens);
        let entry = tokens.get(token).ok_or(TokenProblem::Unknown)?;
        if entry.expires <= Instant::now() {
            tokens.remove(token);
            return Err(TokenProblem::Expired);
        }
        Ok(entry.login.clone())
    }

    /// Checks a login and password in constant time with respect to the password.
    pub(crate) fn check_password(&self, login: &str, password: &str) -> bool {
        self.users
            .get(login)
            .is_some_and(|u| constant_time_eq(u.profile.password.as_bytes(), password.as_bytes()))
    }
}

/// Compares two byte strings without stopping at the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// One user's data.
pub(crate) struct UserData {
    pub(crate) contacts: Vec<Contact>,
    /// Added contacts' fields that the contact answer has no place for, by contact id.
    pub(crate) hidden: HashMap<String, Vec<(&'static str, String)>>,
    /// Pictures by contact id.
    pub(crate) pictures: HashMap<String, Vec<u8>>,
    pub(crate) mailbox: Mailbox,
    /// Stored calendar events: the parameters as received.
    pub(crate) events: Vec<Vec<(&'static str, String)>>,
    next_id: u64,
}

/// A user's mailbox (what the personal messages action reports).
#[derive(Debug, Clone)]
pub(crate) struct Mailbox {
    pub(crate) no_emails: i64,
    pub(crate) no_unread_mails: i64,
    pub(crate) no_sms: i64,
    pub(crate) last_unread: EmailsLastNDetailed,
    pub(crate) dashboard: Option<String>,
}

/// Sandbox data for the mailbox items the documented sample does not grant.
const SANDBOX_EMAILS: i64 = 3;
const SANDBOX_UNREAD_MAILS: i64 = 0;
const SANDBOX_SMS: i64 = 1;

impl Mailbox {
    fn seeded(seeds: &Seeds) -> Self {
        let sample = seeds.messages.as_ref();
        let granted = |f: fn(&papi_messages::types::PersonalMessages) -> Option<i64>, or| {
            sample.and_then(f).unwrap_or(or)
        };
        Self {
            no_emails: granted(|m| m.no_emails.granted().copied(), SANDBOX_EMAILS),
            no_unread_mails: granted(
                |m| m.no_unread_mails.granted().copied(),
                SANDBOX_UNREAD_MAILS,
            ),
            no_sms: granted(|m| m.no_sms.granted().copied(), SANDBOX_SMS),
            last_unread: sample
                .and_then(|m| m.emails_last_n_detailed.granted().cloned())
                .unwrap_or(EmailsLastNDetailed {
                    messages: Some(MailList { items: Vec::new() }),
                }),
            dashboard: sample.and_then(|m| m.privacy_dashboard_url.clone()),
        }
    }
}

/// A contact of a search's shallow entry (the deep view's attributes from `deep`).
fn contact_from_summary(s: &ContactSummary, deep: Option<&Contact>) -> Contact {
    Contact {
        view: deep.and_then(|d| d.view.clone()),
        id: s.id.clone(),
        kind: s.kind.clone(),
        firstname: s.firstname.clone(),
        lastname: s.lastname.clone(),
        civility: None,
        marital_status: None,
        birthday: None,
        company: None,
        devices: None,
        addresses: None,
    }
}

impl UserData {
    fn seeded(seeds: &Seeds) -> Self {
        let mut data = Self {
            contacts: Vec::new(),
            hidden: HashMap::new(),
            pictures: HashMap::new(),
            mailbox: Mailbox::seeded(seeds),
            events: Vec::new(),
            next_id: 1,
        };
        let summaries = seeds
            .find
            .iter()
            .flat_map(|f| f.contacts.iter())
            .flat_map(|l| l.entries.iter());
        for s in summaries {
            if !data.has_contact(&s.id) {
                data.contacts
                    .push(contact_from_summary(s, seeds.contact.as_ref()));
            }
        }
        if let Some(contact) = &seeds.contact {
            let mut contact = contact.clone();
            if data.has_contact(&contact.id) {
                contact.id = data.fresh_id();
            }
            if let Some(picture) = &seeds.picture {
                data.pictures
                    .insert(contact.id.clone(), picture.file.content.as_bytes().to_vec());
            }
            data.contacts.push(contact);
        }
        data
    }

    pub(crate) fn has_contact(&self, id: &str) -> bool {
        self.contacts.iter().any(|c| c.id == id)
    }

    pub(crate) fn contact_mut(&mut self, id: &str) -> Option<&mut Contact> {
        self.contacts.iter_mut().find(|c| c.id == id)
    }

    /// A number not yet used as a contact id (also used for device ids).
    pub(crate) fn fresh_id(&mut self) -> String {
        loop {
            let id = self.next_id.to_string();
            self.next_id += 1;
            if !self.has_contact(&id) {
                return id;
            }
        }
    }
}
