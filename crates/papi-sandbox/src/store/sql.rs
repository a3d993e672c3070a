//! The SQLite file of the [`SqliteStore`](crate::store::sqlite::SqliteStore): its schema and
//! every statement. The only module that speaks SQL or knows `rusqlite`.
//!
//! The file is opened in WAL mode with `synchronous = FULL`. The connection sits behind a
//! mutex that is always taken last (after a user's data, the consents or the tokens), so
//! lock order is fixed.
//!
//! Contacts are stored as the sandbox's own `getcontact` answer (the generated encoder and
//! decoder round-trip them), which keeps every field a client can see and spells no wire
//! name here.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use papi_contacts::types::Contact;
use papi_core::ImageType;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use url::form_urlencoded;

use crate::domain::consent::{ConsentKey, StoredDecision};
use crate::domain::user::{Hidden, UserChange};
use crate::store::{SandboxError, StoreError};
use crate::util::sync::lock;

/// The schema version this code writes (`PRAGMA user_version`).
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// How long a statement waits for a lock held by another connection to the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema version 1.
const SCHEMA: &str = "
CREATE TABLE users (
    login   TEXT PRIMARY KEY NOT NULL,
    next_id INTEGER NOT NULL          -- the next number tried as a contact or device id
);
CREATE TABLE contacts (
    seq      INTEGER PRIMARY KEY,     -- insertion order
    login    TEXT NOT NULL,
    id       TEXT NOT NULL,
    document TEXT NOT NULL,           -- the contact as the sandbox answers it (XML)
    hidden   TEXT NOT NULL,           -- fields kept beside the contact by older sandboxes (form-urlencoded); '' now
    UNIQUE (login, id)
);
CREATE TABLE pictures (
    login      TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    image_type TEXT,                  -- sniffed from the bytes (informative)
    PRIMARY KEY (login, contact_id)
);
CREATE TABLE events (
    seq    INTEGER PRIMARY KEY,
    login  TEXT NOT NULL,
    params TEXT NOT NULL              -- the parameters as received (form-urlencoded)
);
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY NOT NULL,  -- SHA-256 of the token (hex); the token itself is not stored
    login      TEXT NOT NULL,
    expires_ms INTEGER NOT NULL            -- Unix time in milliseconds
);
CREATE TABLE consents (
    login     TEXT NOT NULL,
    service   TEXT NOT NULL,
    family    TEXT NOT NULL,
    attribute TEXT NOT NULL,          -- '' for the whole family
    decision  TEXT NOT NULL,          -- once, permanent or refuse
    PRIMARY KEY (login, service, family, attribute)
);
";

/// Tables added after schema version 1, created when missing (an older sandbox ignores
/// them, so the version stays).
const ADDED_TABLES: &str = "
CREATE TABLE IF NOT EXISTS idp_key (
    id  INTEGER PRIMARY KEY CHECK (id = 1),  -- one key
    pem TEXT NOT NULL                         -- the identity provider's RSA key, PKCS#8 PEM
);
";

/// Indexes added after schema version 1, created when missing (like [`ADDED_TABLES`]): the
/// expired tokens are found (and deleted at each issue) through `tokens_expiry`, a token by
/// its hash through the primary key.
const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens (expires_ms);
";

/// Forgets the tokens expired at `?1` (through the index `tokens_expiry`).
const SWEEP_TOKENS: &str = "DELETE FROM tokens WHERE expires_ms <= ?1";
/// Forgets the token of hash `?1` (through the primary key).
const DELETE_TOKEN: &str = "DELETE FROM tokens WHERE hash = ?1";

/// A user's data as stored.
pub(crate) struct StoredUser {
    pub(crate) next_id: u64,
    /// Contacts in insertion order, with the fields an older sandbox kept beside them.
    pub(crate) contacts: Vec<(Contact, Hidden)>,
    pub(crate) pictures: HashMap<String, Vec<u8>>,
    pub(crate) events: Vec<Vec<(String, String)>>,
}

/// A stored token.
pub(crate) struct StoredToken {
    pub(crate) hash: String,
    pub(crate) login: String,
    pub(crate) expires_ms: i64,
}

/// The database.
pub(crate) struct Db {
    path: PathBuf,
    conn: Mutex<Connection>,
}

fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn decode_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Db {
    /// Opens (creating if absent) the database at `path`: WAL mode, schema checked or
    /// created.
    pub(crate) fn open(path: &Path) -> Result<Self, SandboxError> {
        let fail = |cause: String| SandboxError::Open {
            path: path.to_owned(),
            cause,
        };
        let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        if conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(|e| fail(e.to_string()))?
        {
            return Err(fail("the file can only be read".to_owned()));
        }
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail(e.to_string()))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| fail(e.to_string()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(fail(format!(
                "cannot switch to write-ahead logging (journal mode stays `{mode}`)"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| fail(e.to_string()))?;
        let store = Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn open_error(&self, cause: impl fmt::Display) -> SandboxError {
        SandboxError::Open {
            path: self.path.clone(),
            cause: cause.to_string(),
        }
    }

    fn load_error(&self, cause: impl fmt::Display) -> SandboxError {
        SandboxError::Load {
            path: self.path.clone(),
            cause: cause.to_string(),
        }
    }

    fn write_error(&self, cause: impl fmt::Display) -> StoreError {
        StoreError(format!(
            "cannot write to the sandbox database {}: {cause}",
            self.path.display()
        ))
    }

    /// Creates the schema in a new database; checks the version of an existing one.
    fn migrate(&self) -> Result<(), SandboxError> {
        let mut conn = lock(&self.conn);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.open_error(e))?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.open_error(e))?;
        match version {
            0 => {
                let tables: i64 = tx
                    .query_row(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
                         AND name NOT LIKE 'sqlite_%'",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| self.open_error(e))?;
                if tables > 0 {
                    return Err(self.open_error(
                        "not a papi sandbox database (it has tables but no schema version)",
                    ));
                }
                tx.execute_batch(SCHEMA).map_err(|e| self.open_error(e))?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                    .map_err(|e| self.open_error(e))?;
            }
            SCHEMA_VERSION => {}
            found => {
                return Err(SandboxError::Version {
                    path: self.path.clone(),
                    found,
                    known: SCHEMA_VERSION,
                })
            }
        }
        tx.execute_batch(ADDED_TABLES)
            .map_err(|e| self.open_error(e))?;
        tx.execute_batch(INDEXES).map_err(|e| self.open_error(e))?;
        tx.commit().map_err(|e| self.open_error(e))
    }

    /// The identity provider's key: the stored one, or `generate`'s, stored in the same
    /// transaction (an immediate one: two processes starting at once keep one key).
    pub(crate) fn signing_key(
        &self,
        generate: &mut dyn FnMut() -> Result<String, String>,
    ) -> Result<String, StoreError> {
        let mut conn = lock(&self.conn);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.write_error(e))?;
        let stored: Option<String> = tx
            .query_row("SELECT pem FROM idp_key WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.write_error(e))?;
        if let Some(pem) = stored {
            return Ok(pem);
        }
        let pem = generate().map_err(StoreError)?;
        tx.execute("INSERT INTO idp_key (id, pem) VALUES (1, ?1)", params![pem])
            .map_err(|e| self.write_error(e))?;
        tx.commit().map_err(|e| self.write_error(e))?;
        Ok(pem)
    }

    /// The stored data of `login`; `None` if the user was never stored (not seeded yet).
    pub(crate) fn load_user(&self, login: &str) -> Result<Option<StoredUser>, SandboxError> {
        let conn = lock(&self.conn);
        let next_id: Option<i64> = conn
            .query_row("SELECT next_id FROM users WHERE login = ?1", [login], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.load_error(e))?;
        let Some(next_id) = next_id else {
            return Ok(None);
        };
        let mut contacts = Vec::new();
        let mut stmt = conn
            .prepare("SELECT id, document, hidden FROM contacts WHERE login = ?1 ORDER BY seq")
            .map_err(|e| self.load_error(e))?;
        let rows = stmt
            .query_map([login], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| self.load_error(e))?;
        for row in rows {
            let (id, document, hidden) = row.map_err(|e| self.load_error(e))?;
            let contact = papi_contacts::decode::get_contact(200, document.as_bytes())
                .map_err(|e| self.load_error(format!("contact `{id}` of `{login}`: {e}")))?;
            if contact.id != id {
                return Err(self.load_error(format!(
                    "contact `{id}` of `{login}` holds the id `{}`",
                    contact.id
                )));
            }
            contacts.push((contact, decode_pairs(&hidden)));
        }
        let mut pictures = HashMap::new();
        let mut stmt = conn
            .prepare("SELECT contact_id, bytes FROM pictures WHERE login = ?1")
            .map_err(|e| self.load_error(e))?;
        let rows = stmt
            .query_map([login], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|e| self.load_error(e))?;
        for row in rows {
            let (cid, bytes) = row.map_err(|e| self.load_error(e))?;
            pictures.insert(cid, bytes);
        }
        let mut events = Vec::new();
        let mut stmt = conn
            .prepare("SELECT params FROM events WHERE login = ?1 ORDER BY seq")
            .map_err(|e| self.load_error(e))?;
        let rows = stmt
            .query_map([login], |r| r.get::<_, String>(0))
            .map_err(|e| self.load_error(e))?;
        for row in rows {
            events.push(decode_pairs(&row.map_err(|e| self.load_error(e))?));
        }
        Ok(Some(StoredUser {
            next_id: u64::try_from(next_id).unwrap_or(1),
            contacts,
            pictures,
            events,
        }))
    }

    /// Stores a user's initial (seed) data, all at once.
    pub(crate) fn seed_user(
        &self,
        login: &str,
        next_id: u64,
        contacts: &[&Contact],
        pictures: &HashMap<String, Vec<u8>>,
    ) -> Result<(), SandboxError> {
        let contacts = contacts
            .iter()
            .map(|contact| EncodedContact::encode(contact))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.load_error(e))?;
        let mut conn = lock(&self.conn);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.load_error(e))?;
        tx.execute(
            "INSERT INTO users (login, next_id) VALUES (?1, ?2)",
            params![login, to_i64(next_id)],
        )
        .map_err(|e| self.load_error(e))?;
        for contact in &contacts {
            insert_contact(&tx, login, contact).map_err(|e| self.load_error(e))?;
        }
        for (cid, bytes) in pictures {
            insert_picture(&tx, login, cid, bytes).map_err(|e| self.load_error(e))?;
        }
        tx.commit().map_err(|e| self.load_error(e))
    }

    /// Every stored token that has not expired at `now_ms`.
    pub(crate) fn load_tokens(&self, now_ms: i64) -> Result<Vec<StoredToken>, SandboxError> {
        let conn = lock(&self.conn);
        let mut stmt = conn
            .prepare("SELECT hash, login, expires_ms FROM tokens WHERE expires_ms > ?1")
            .map_err(|e| self.load_error(e))?;
        let rows = stmt
            .query_map([now_ms], |r| {
                Ok(StoredToken {
                    hash: r.get(0)?,
                    login: r.get(1)?,
                    expires_ms: r.get(2)?,
                })
            })
            .map_err(|e| self.load_error(e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.load_error(e))
    }

    /// Every stored consent decision.
    pub(crate) fn load_decisions(&self) -> Result<Vec<StoredDecision>, SandboxError> {
        let conn = lock(&self.conn);
        let mut stmt = conn
            .prepare("SELECT login, service, family, attribute, decision FROM consents")
            .map_err(|e| self.load_error(e))?;
        let rows = stmt
            .query_map([], |r| {
                let attribute: String = r.get(3)?;
                Ok(StoredDecision {
                    login: r.get(0)?,
                    service: r.get(1)?,
                    family: r.get(2)?,
                    attribute: (!attribute.is_empty()).then_some(attribute),
                    decision: r.get(4)?,
                })
            })
            .map_err(|e| self.load_error(e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.load_error(e))
    }

    /// Stores a change of a user's data.
    pub(crate) fn keep_change(&self, login: &str, change: &UserChange) -> Result<(), StoreError> {
        match change {
            UserChange::Contact { contact, next_id } => self.save_contact(login, contact, *next_id),
            UserChange::Picture { contact_id, bytes } => {
                self.save_picture(login, contact_id, bytes)
            }
            UserChange::Event(event) => self.add_event(login, event),
        }
    }

    /// Stores a contact (new or changed) and the user's next id, in one transaction. The
    /// contact is encoded first: the connection, which every user's writes share, is
    /// locked only to write the text.
    fn save_contact(&self, login: &str, contact: &Contact, next_id: u64) -> Result<(), StoreError> {
        let contact = EncodedContact::encode(contact).map_err(|e| self.write_error(e))?;
        let mut conn = lock(&self.conn);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.write_error(e))?;
        insert_contact(&tx, login, &contact).map_err(|e| self.write_error(e))?;
        tx.execute(
            "UPDATE users SET next_id = max(next_id, ?2) WHERE login = ?1",
            params![login, to_i64(next_id)],
        )
        .map_err(|e| self.write_error(e))?;
        tx.commit().map_err(|e| self.write_error(e))
    }

    /// Stores a contact's picture (replacing any).
    fn save_picture(&self, login: &str, contact_id: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let conn = lock(&self.conn);
        insert_picture(&conn, login, contact_id, bytes).map_err(|e| self.write_error(e))
    }

    /// Stores a calendar event.
    fn add_event(&self, login: &str, event: &[(String, String)]) -> Result<(), StoreError> {
        let params_text = encode_pairs(event.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let conn = lock(&self.conn);
        conn.execute(
            "INSERT INTO events (login, params) VALUES (?1, ?2)",
            params![login, params_text],
        )
        .map(drop)
        .map_err(|e| self.write_error(e))
    }

    /// Stores an issued token (by its hash) and forgets the tokens expired at `now_ms`.
    pub(crate) fn save_token(
        &self,
        hash: &str,
        login: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut conn = lock(&self.conn);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.write_error(e))?;
        tx.execute(SWEEP_TOKENS, [now_ms])
            .map_err(|e| self.write_error(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO tokens (hash, login, expires_ms) VALUES (?1, ?2, ?3)",
            params![hash, login, expires_ms],
        )
        .map_err(|e| self.write_error(e))?;
        tx.commit().map_err(|e| self.write_error(e))
    }

    /// Forgets a token (expired).
    pub(crate) fn delete_token(&self, hash: &str) -> Result<(), StoreError> {
        let conn = lock(&self.conn);
        conn.execute(DELETE_TOKEN, [hash])
            .map(drop)
            .map_err(|e| self.write_error(e))
    }

    /// Stores a consent decision (replacing the one on the same key).
    pub(crate) fn save_decision(&self, key: &ConsentKey, decision: &str) -> Result<(), StoreError> {
        let conn = lock(&self.conn);
        conn.execute(
            "INSERT OR REPLACE INTO consents (login, service, family, attribute, decision) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                key.user,
                key.service,
                key.family,
                key.attribute.unwrap_or_default(),
                decision
            ],
        )
        .map(drop)
        .map_err(|e| self.write_error(e))
    }

    /// Consumes a one-call grant: deletes it in a transaction that fails unless exactly
    /// that grant (`decision`) was there.
    pub(crate) fn consume_decision(
        &self,
        key: &ConsentKey,
        decision: &str,
    ) -> Result<(), StoreError> {
        let mut conn = lock(&self.conn);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.write_error(e))?;
        let deleted = tx
            .execute(
                "DELETE FROM consents WHERE login = ?1 AND service = ?2 AND family = ?3 \
                 AND attribute = ?4 AND decision = ?5",
                params![
                    key.user,
                    key.service,
                    key.family,
                    key.attribute.unwrap_or_default(),
                    decision
                ],
            )
            .map_err(|e| self.write_error(e))?;
        if deleted != 1 {
            return Err(self.write_error(
                "the one-call consent is not in the database (changed by another program?)",
            ));
        }
        tx.commit().map_err(|e| self.write_error(e))
    }
}

/// A contact as stored: its id and its document (the sandbox's own `getcontact` answer),
/// encoded before the connection's lock is taken.
struct EncodedContact {
    id: String,
    document: String,
}

impl EncodedContact {
    fn encode(contact: &Contact) -> Result<Self, String> {
        let document = papi_contacts::encode::get_contact(contact)
            .map_err(|e| format!("cannot encode the contact `{}`: {e}", contact.id))?;
        Ok(Self {
            id: contact.id.clone(),
            document,
        })
    }
}

fn insert_contact(conn: &Connection, login: &str, contact: &EncodedContact) -> Result<(), String> {
    conn.execute(
        // A changed contact keeps what an older sandbox kept beside it (read back into
        // the contact, or left alone when no answer has a place for it).
        "INSERT INTO contacts (login, id, document, hidden) VALUES (?1, ?2, ?3, '') \
         ON CONFLICT (login, id) DO UPDATE SET document = excluded.document",
        params![login, contact.id, contact.document],
    )
    .map(drop)
    .map_err(|e| e.to_string())
}

fn insert_picture(
    conn: &Connection,
    login: &str,
    contact_id: &str,
    bytes: &[u8],
) -> Result<(), String> {
    let image_type = ImageType::sniff(bytes).map(|t| t.to_string());
    conn.execute(
        "INSERT OR REPLACE INTO pictures (login, contact_id, bytes, image_type) \
         VALUES (?1, ?2, ?3, ?4)",
        params![login, contact_id, bytes, image_type],
    )
    .map(drop)
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{remove, temp_db};

    /// How SQLite runs `sql` with the parameter `param`: its query plan, one step a line.
    fn plan(db: &Db, sql: &str, param: &dyn rusqlite::ToSql) -> String {
        let conn = lock(&db.conn);
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps = stmt
            .query_map([param], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        steps.join("\n")
    }

    fn assert_indexed(db: &Db) {
        for (sql, param) in [
            (SWEEP_TOKENS, &0i64 as &dyn rusqlite::ToSql),
            (DELETE_TOKEN, &"ab" as &dyn rusqlite::ToSql),
        ] {
            let plan = plan(db, sql, param);
            assert!(
                plan.contains("USING") && plan.contains("INDEX") && !plan.contains("SCAN"),
                "{sql}: {plan}"
            );
        }
    }

    #[test]
    fn tokens_are_found_and_swept_through_indexes_in_new_and_older_files() {
        let path = temp_db("token-index");
        let db = Db::open(&path).unwrap();
        assert_indexed(&db);
        // A file written before the index existed gets it when opened.
        lock(&db.conn)
            .execute_batch("DROP INDEX tokens_expiry")
            .unwrap();
        assert!(plan(&db, SWEEP_TOKENS, &0i64).contains("SCAN"));
        drop(db);
        let db = Db::open(&path).unwrap();
        assert_indexed(&db);
        drop(db);
        remove(&path);
    }
}
