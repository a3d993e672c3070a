//! The sandbox's state: tokens, users and their data, consents. Held in memory (the read
//! path); with a database ([`SandboxConfig::db`]) every change is written through to it
//! before it is made in memory (see [`crate::store`]).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, HeaderValue};
use papi_contacts::types::{Contact, ContactSummary};
use papi_messages::types::{EmailsLastNDetailed, MailList};
use sha2::{Digest, Sha256};
use url::Url;

use crate::endpoint::{endpoints, Endpoint};
use crate::idp::Idp;
use crate::privacy::{Access, ConsentKey, Consents, Decision};
use crate::seeds::Seeds;
use crate::store::{Store, StoreError};
use crate::util::{constant_time_eq, lock, random_hex};
use crate::{SandboxConfig, SandboxError, TestUser};

/// The SHA-256 of a token: tokens are kept in memory by these 32 bytes and stored as their
/// lowercase hex ([`hash_hex`]); the token itself is never kept.
type TokenHash = [u8; 32];

fn token_hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A token hash as stored: lowercase hex.
fn hash_hex(hash: &TokenHash) -> String {
    let mut s = String::with_capacity(64);
    for b in hash {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// A stored hash back: `None` unless 64 lowercase hex digits (what [`hash_hex`] writes; any
/// other row could match no token, before as now).
fn hash_from_hex(hex: &str) -> Option<TokenHash> {
    let digit = |c: u8| {
        HEX.iter()
            .position(|&h| h == c)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (out, pair) in hash.iter_mut().zip(bytes.chunks_exact(2)) {
        *out = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(hash)
}

/// Milliseconds since the Unix epoch of `t` (0 before it, `i64::MAX` far after it).
fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A token `<head><sep><fields><sep><tail>` in the spec's layout: each field empty but the
/// expiry field, which holds `expires_s` (Unix seconds); `head` alone without a layout.
fn laid_out_token(head: &str, tail: &str, expires_s: i64) -> String {
    let Some(layout) = papi_core::general::TOKEN_LAYOUT else {
        return format!("{head}{tail}");
    };
    let mut token = head.to_owned();
    for field in layout.fields {
        token.push_str(layout.separator);
        token.push_str(field);
        token.push('=');
        if *field == layout.expiry_field {
            token.push_str(&expires_s.to_string());
        }
    }
    token.push_str(layout.separator);
    token.push_str(tail);
    token
}

/// `now + d`, or a century from now when `d` is too large to represent.
fn instant_after(now: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    now.checked_add(d)
        .or_else(|| now.checked_add(CENTURY))
        .unwrap_or(now)
}

/// Everything a sandbox shares between its clones.
pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    pub(crate) seeds: Seeds,
    /// Served paths (with and without environment prefixes).
    pub(crate) endpoints: HashMap<String, Endpoint>,
    pub(crate) users: HashMap<String, User>,
    /// Valid tokens, by [`token_hash`].
    tokens: Mutex<HashMap<TokenHash, TokenEntry>>,
    pub(crate) consents: Mutex<Consents>,
    /// The database, when the state is persisted.
    pub(crate) store: Option<Store>,
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
    /// A state in memory only: every user gets the seed data.
    pub(crate) fn new(config: SandboxConfig) -> Self {
        let seeds = Seeds::load();
        let mut users = HashMap::new();
        for user in &config.users {
            users.entry(user.login.clone()).or_insert_with(|| User {
                profile: user.clone(),
                data: Mutex::new(UserData::seeded(&seeds)),
            });
        }
        Self::assemble(
            config,
            seeds,
            users,
            HashMap::new(),
            Consents::default(),
            None,
        )
    }

    /// The state stored in the database at `config.db` (created if absent); in memory when
    /// `config.db` is `None`. Users the database does not know yet (a new database, or a
    /// login added to the configuration) get the seed data, stored at once; the others get
    /// their stored data, so seeds are never added twice.
    pub(crate) fn open(config: SandboxConfig) -> Result<Self, SandboxError> {
        let Some(path) = config.db.clone() else {
            return Ok(Self::new(config));
        };
        let store = Store::open(&path)?;
        let seeds = Seeds::load();
        let mut users = HashMap::new();
        for user in &config.users {
            if users.contains_key(&user.login) {
                continue;
            }
            let data = match store.load_user(&user.login)? {
                Some(stored) => UserData::restored(&seeds, stored),
                None => {
                    let data = UserData::seeded(&seeds);
                    let contacts: Vec<(&Contact, Vec<(String, String)>)> = data
                        .contacts
                        .iter()
                        .map(|c| (c, data.hidden.get(&c.id).cloned().unwrap_or_default()))
                        .collect();
                    store.seed_user(&user.login, data.next_id, &contacts, &data.pictures)?;
                    data
                }
            };
            users.insert(
                user.login.clone(),
                User {
                    profile: user.clone(),
                    data: Mutex::new(data),
                },
            );
        }
        let now = Instant::now();
        let now_ms = unix_ms(SystemTime::now());
        let tokens = store
            .load_tokens(now_ms)?
            .into_iter()
            .filter_map(|t| {
                let left = Duration::from_millis(
                    u64::try_from(t.expires_ms.saturating_sub(now_ms)).unwrap_or(0),
                );
                Some((
                    hash_from_hex(&t.hash)?,
                    TokenEntry {
                        login: t.login,
                        expires: instant_after(now, left),
                    },
                ))
            })
            .collect();
        let consents = Consents::restored(store.load_decisions()?);
        Ok(Self::assemble(
            config,
            seeds,
            users,
            tokens,
            consents,
            Some(store),
        ))
    }

    fn assemble(
        config: SandboxConfig,
        seeds: Seeds,
        users: HashMap<String, User>,
        tokens: HashMap<TokenHash, TokenEntry>,
        consents: Consents,
        store: Option<Store>,
    ) -> Self {
        Self {
            config,
            seeds,
            endpoints: endpoints(),
            users,
            tokens: Mutex::new(tokens),
            consents: Mutex::new(consents),
            store,
            idp: Idp::new(),
            bound_base: RwLock::new(None),
        }
    }

    /// Runs a write on the database, if there is one (else nothing to do).
    pub(crate) fn persist(
        &self,
        write: impl FnOnce(&Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        match &self.store {
            Some(store) => write(store),
            None => Ok(()),
        }
    }

    /// Whether a call needing `key` may proceed; a one-call grant is consumed, in the
    /// database first (the consents' lock is held throughout, so exactly one call gets it).
    pub(crate) fn check_consent(&self, key: &ConsentKey) -> Result<Access, StoreError> {
        lock(&self.consents).check_with(key, |k, d| {
            self.persist(|s| s.consume_decision(k, d.form_value()))
        })
    }

    /// Grants `login` every privacy family of every API, permanently, for the configured
    /// service (each stored first); `false` for an unknown user.
    pub(crate) fn grant_all(&self, login: &str) -> Result<bool, StoreError> {
        if !self.users.contains_key(login) {
            return Ok(false);
        }
        let mut consents = lock(&self.consents);
        for api in crate::generated::APIS {
            let key = ConsentKey {
                user: login.to_owned(),
                service: self.config.service_id.clone(),
                family: crate::privacy::family_of(api),
                attribute: None,
            };
            self.persist(|s| s.save_decision(&key, Decision::Permanent.form_value()))?;
            consents.grant(key);
        }
        Ok(true)
    }

    /// Applies the user's decision to the pending consent request `id`, stored first.
    pub(crate) fn decide(
        &self,
        id: &str,
        decision: Decision,
    ) -> Result<Option<ConsentKey>, StoreError> {
        lock(&self.consents).decide_with(id, decision, |k, d| {
            self.persist(|s| s.save_decision(k, d.form_value()))
        })
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

    /// A new token for `login`, laid out as the spec's token layout says (its expiry field
    /// giving the token's expiry), random elsewhere.
    pub(crate) fn issue_token(&self, login: &str) -> Option<papi_core::UserToken> {
        if !self.users.contains_key(login) {
            return None;
        }
        let now = Instant::now();
        let expires = instant_after(now, self.config.token_lifetime);
        let wall = SystemTime::now();
        let now_ms = unix_ms(wall);
        let expires_ms = wall
            .checked_add(self.config.token_lifetime)
            .map_or(i64::MAX, unix_ms);
        let token = laid_out_token(&random_hex(16)?, &random_hex(16)?, expires_ms / 1000);
        let hash = token_hash(&token);
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, entry| entry.expires > now);
        if let Err(e) = self.persist(|s| s.save_token(&hash_hex(&hash), login, expires_ms, now_ms))
        {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot store a token");
            return None;
        }
        tokens.insert(
            hash,
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
        let hash = token_hash(token);
        let mut tokens = lock(&self.tokens);
        let entry = tokens.get(&hash).ok_or(TokenProblem::Unknown)?;
        if entry.expires <= Instant::now() {
            tokens.remove(&hash);
            // Expired anyway: a failure only leaves a row that the next issue removes.
            if let Err(e) = self.persist(|s| s.delete_token(&hash_hex(&hash))) {
                tracing::warn!(target: "papi_sandbox", error = %e, "cannot forget an expired token");
            }
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

/// One user's data.
pub(crate) struct UserData {
    /// In the order added (the order of search answers); read with [`UserData::contacts`],
    /// added with [`UserData::push_contact`], which keeps `index` in step.
    contacts: Vec<Contact>,
    /// Position in `contacts` of the first contact with each id: id lookups (and so
    /// [`UserData::fresh_id`]) stay constant-time however many contacts are added.
    index: HashMap<String, usize>,
    /// Added contacts' fields that the contact answer has no place for, by contact id:
    /// (wire name, value).
    pub(crate) hidden: HashMap<String, Vec<(String, String)>>,
    /// Pictures by contact id.
    pub(crate) pictures: HashMap<String, Vec<u8>>,
    pub(crate) mailbox: Mailbox,
    /// Stored calendar events: the parameters as received (wire name, value).
    pub(crate) events: Vec<Vec<(String, String)>>,
    /// The next number tried by [`UserData::fresh_id`].
    pub(crate) next_id: u64,
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
                .unwrap_or_else(|| {
                    EmailsLastNDetailed::default().with_messages(MailList::default())
                }),
            dashboard: sample.and_then(|m| m.privacy_dashboard_url.clone()),
        }
    }
}

/// A contact of a search's shallow entry (the deep view's attributes from `deep`).
fn contact_from_summary(s: &ContactSummary, deep: Option<&Contact>) -> Contact {
    let mut contact = Contact::default().with_id(s.id.clone());
    contact.view = deep.and_then(|d| d.view.clone());
    contact.kind = s.kind.clone();
    contact.firstname = s.firstname.clone();
    contact.lastname = s.lastname.clone();
    contact
}

impl UserData {
    fn seeded(seeds: &Seeds) -> Self {
        let mut data = Self {
            contacts: Vec::new(),
            index: HashMap::new(),
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
                data.push_contact(contact_from_summary(s, seeds.contact.as_ref()));
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
            data.push_contact(contact);
        }
        data
    }

    /// The data stored in the database (the mailbox is not stored: it is seed data).
    fn restored(seeds: &Seeds, stored: crate::store::StoredUser) -> Self {
        let mut data = Self {
            contacts: Vec::with_capacity(stored.contacts.len()),
            index: HashMap::with_capacity(stored.contacts.len()),
            hidden: HashMap::new(),
            pictures: stored.pictures,
            mailbox: Mailbox::seeded(seeds),
            events: stored.events,
            next_id: stored.next_id.max(1),
        };
        for (contact, fields) in stored.contacts {
            if !fields.is_empty() {
                data.hidden.insert(contact.id.clone(), fields);
            }
            data.push_contact(contact);
        }
        data
    }

    /// The contacts, in the order added.
    pub(crate) fn contacts(&self) -> &[Contact] {
        &self.contacts
    }

    /// Adds a contact (after the others).
    pub(crate) fn push_contact(&mut self, contact: Contact) {
        self.index
            .entry(contact.id.clone())
            .or_insert(self.contacts.len());
        self.contacts.push(contact);
    }

    pub(crate) fn has_contact(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// The first contact with this id.
    pub(crate) fn contact(&self, id: &str) -> Option<&Contact> {
        self.index.get(id).and_then(|&i| self.contacts.get(i))
    }

    /// The first contact with this id, to change anything but its id.
    pub(crate) fn contact_mut(&mut self, id: &str) -> Option<&mut Contact> {
        self.index.get(id).and_then(|&i| self.contacts.get_mut(i))
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

/// The sandbox's base URL: the bound one, else the `Host` the client reached it with
/// (when served through `router()` without `bind`).
pub(crate) fn base_url(shared: &Shared, headers: &HeaderMap) -> Option<Url> {
    base_url_from(shared, headers.get(header::HOST))
}

/// [`base_url`] given the request's `Host` header.
pub(crate) fn base_url_from(shared: &Shared, host: Option<&HeaderValue>) -> Option<Url> {
    // The bound address wins: the Host header is the caller's to choose.
    shared.bound_base().or_else(|| {
        host.and_then(|h| h.to_str().ok())
            .and_then(|h| Url::parse(&format!("http://{h}/")).ok())
            .filter(|u| {
                u.path() == "/"
                    && u.query().is_none()
                    && u.username().is_empty()
                    && u.password().is_none()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_kept_by_their_sha256_and_stored_in_lowercase_hex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let stored = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hash_hex(&token_hash("abc")), stored);
        assert_eq!(hash_from_hex(stored), Some(token_hash("abc")));
        // Only what `hash_hex` writes is read back.
        assert_eq!(hash_from_hex(&stored.to_uppercase()), None);
        assert_eq!(hash_from_hex(&stored[1..]), None);
        assert_eq!(hash_from_hex(&format!("{stored}0")), None);
        assert_eq!(hash_from_hex(&stored.replacen('b', "g", 1)), None);
        assert_eq!(hash_from_hex(&"é".repeat(32)), None);
    }

    /// A fresh database path under the system's temporary directory.
    fn temp_db(name: &str) -> std::path::PathBuf {
        let unique = format!(
            "papi-sandbox-{name}-{}-{}.db",
            std::process::id(),
            random_hex(8).unwrap()
        );
        std::env::temp_dir().join(unique)
    }

    fn contacts(shared: &Shared, login: &str) -> Vec<Contact> {
        lock(&shared.users[login].data).contacts.clone()
    }

    #[test]
    fn seeds_round_trip_through_the_database_and_are_stored_once() {
        let db = temp_db("seeds");
        let config = SandboxConfig {
            db: Some(db.clone()),
            ..SandboxConfig::default()
        };
        let memory = Shared::new(SandboxConfig::default());
        let first = Shared::open(config.clone()).unwrap();
        let second = Shared::open(config).unwrap();
        for login in ["alice", "bob"] {
            // Every field of every seeded contact (addresses, devices…) comes back.
            assert_eq!(contacts(&second, login), contacts(&memory, login));
            assert_eq!(contacts(&first, login), contacts(&memory, login));
            let pictures = |s: &Shared| lock(&s.users[login].data).pictures.clone();
            assert_eq!(pictures(&second), pictures(&memory));
            assert_eq!(
                lock(&second.users[login].data).next_id,
                lock(&memory.users[login].data).next_id
            );
        }
        drop((first, second));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }

    #[test]
    fn a_one_call_grant_is_consumed_in_the_database_too() {
        let db = temp_db("once");
        let config = SandboxConfig {
            db: Some(db.clone()),
            ..SandboxConfig::default()
        };
        let key = ConsentKey {
            user: "alice".into(),
            service: "sandbox-service".into(),
            family: crate::privacy::family_of(crate::generated::APIS[0]),
            attribute: None,
        };
        let shared = Shared::open(config.clone()).unwrap();
        lock(&shared.consents).ask(key.clone(), "id".into());
        assert_eq!(
            shared.decide("id", Decision::Once).unwrap(),
            Some(key.clone())
        );
        drop(shared);
        let shared = Shared::open(config.clone()).unwrap();
        assert_eq!(shared.check_consent(&key).unwrap(), Access::Granted);
        assert_eq!(shared.check_consent(&key).unwrap(), Access::Denied);
        drop(shared);
        let shared = Shared::open(config).unwrap();
        assert_eq!(shared.check_consent(&key).unwrap(), Access::Denied);
        drop(shared);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
}
