//! The PostgreSQL database of the [`PgStore`](super::PgStore): its schema and every
//! statement, on tokio-postgres with a deadpool pool. The only module that speaks SQL to
//! PostgreSQL or knows its driver.
//!
//! The driver is asynchronous; the store's interface is not (the sandbox calls a store that
//! waits on I/O from its blocking threads). The connections run on a runtime of the
//! store's own (one worker thread), and [`Db::run`] waits for one piece of work on the
//! calling thread, bounded by [`WORK_TIMEOUT`].
//!
//! Every table is in the schema `papi_sandbox`. Each user row has a `version`, raised by
//! each change of the user's data; the rows a change writes (a contact, a picture, an
//! event) carry the version they were written at, so a process brings its copy of the data
//! up to date by reading the rows above the version it has (see [`Delta`]).

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime as PoolRuntime,
};
use papi_contacts::types::Contact;
use papi_core::ImageType;
use tokio::runtime::Runtime;
use tokio_postgres::{IsolationLevel, NoTls};
use url::form_urlencoded;

use crate::domain::user::UserChange;
use crate::store::postgres::cached::Cached;
use crate::store::postgres::error::describe;
use crate::store::postgres::schema::{
    ADDED_TABLES, CHANGED_ROWS, CHANGE_CONTACT, CHANGE_EVENT, CHANGE_PICTURE, MIGRATION_LOCK,
    SCHEMA, SCHEMA_VERSION, UPSERT_CONTACT, UPSERT_PICTURE,
};
use crate::store::postgres_url::PostgresUrl;
use crate::store::{SandboxError, StoreError};

/// Connections kept open at most by one sandbox process.
const POOL_SIZE: usize = 16;

/// How long one piece of work may take, waiting for a connection included; beyond it the
/// work fails here. The server bounds its side below it ([`SERVER_LIMITS`]), so that a
/// statement or transaction this side gave up on ends there too, and its connection is
/// not given out again while it is still busy.
const WORK_TIMEOUT: Duration = Duration::from_secs(30);

/// Set on every connection: a statement waits at most 10 s for a lock (another process
/// holding a user's row) and runs at most 20 s; a transaction left open 20 s is ended by
/// the server, with its session (the pool then drops the closed connection). The server's
/// notices (such as "already exists, skipping" when the added tables are checked) are not
/// sent: the driver would log each one.
const SERVER_LIMITS: &str = "-c lock_timeout=10000 -c statement_timeout=20000 \
     -c idle_in_transaction_session_timeout=20000 -c client_min_messages=warning";

/// How long a caller waits for a free connection, or for a new one to be made.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What changed in a user's data above a version: the rows written since, in the order
/// they were first written, and the user's version and next id as they are now.
#[derive(Default)]
pub(crate) struct Delta {
    pub(crate) version: i64,
    pub(crate) next_id: u64,
    /// Contacts added or changed, in insertion order.
    pub(crate) contacts: Vec<Contact>,
    pub(crate) pictures: Vec<(String, Vec<u8>)>,
    pub(crate) events: Vec<Vec<(String, String)>>,
}

/// A stored token.
pub(crate) struct StoredToken {
    pub(crate) login: String,
    pub(crate) expires_ms: i64,
}

/// A consent request waiting for the user, as stored.
pub(crate) struct StoredPending {
    pub(crate) login: String,
    pub(crate) service: String,
    pub(crate) family: String,
    pub(crate) attribute: String,
}

/// The database: a pool of connections, run on the store's own runtime.
pub(crate) struct Db {
    /// Where, with the password hidden (for messages).
    shown: String,
    pool: Pool,
    /// Dropped with `shutdown_background` (see the `Drop` impl): a runtime dropped on an
    /// async worker would panic.
    runtime: Option<Runtime>,
}

impl Drop for Db {
    fn drop(&mut self) {
        self.pool.close();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
}

fn decode_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

/// A contact as stored: its document, the sandbox's own `getcontact` answer.
fn encode_contact(contact: &Contact) -> Result<String, String> {
    papi_contacts::encode::get_contact(contact)
        .map_err(|e| format!("cannot encode the contact `{}`: {e}", contact.id))
}

fn decode_contact(login: &str, id: &str, document: &str) -> Result<Contact, String> {
    let contact = papi_contacts::decode::get_contact(200, document.as_bytes())
        .map_err(|e| format!("contact `{id}` of `{login}`: {e}"))?;
    if contact.id != id {
        return Err(format!(
            "contact `{id}` of `{login}` holds the id `{}`",
            contact.id
        ));
    }
    Ok(contact)
}

impl Db {
    /// Connects to the database at `url` and checks its schema (creating it in an empty
    /// database).
    pub(crate) fn open(url: &PostgresUrl) -> Result<Self, SandboxError> {
        let shown = url.to_string();
        let fail = |cause: String| SandboxError::Postgres {
            url: shown.clone(),
            cause,
        };
        let mut config: tokio_postgres::Config = url
            .expose()
            .parse()
            // The driver's message says the text is invalid, never what it holds.
            .map_err(|e: tokio_postgres::Error| fail(describe(e)))?;
        let options = match config.get_options() {
            Some(given) => format!("{given} {SERVER_LIMITS}"),
            None => SERVER_LIMITS.to_owned(),
        };
        config.options(&options);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("papi-sandbox-postgres")
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start the database runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(PoolRuntime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| fail(describe(e)))?;
        let db = Self {
            shown: shown.clone(),
            pool,
            runtime: Some(runtime),
        };
        db.migrate().map_err(fail)?;
        Ok(db)
    }

    /// A connection of the pool (waiting at most [`CONNECT_TIMEOUT`] for one).
    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object, String> {
        self.pool.get().await.map_err(describe)
    }

    /// Where the database is, with the password hidden.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// Runs `work` to its end on the calling thread (the connections' I/O runs on the
    /// store's runtime), within [`WORK_TIMEOUT`].
    pub(super) fn run<T>(
        &self,
        work: impl Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        let Some(runtime) = &self.runtime else {
            return Err("the database is closed".to_owned());
        };
        let _entered = runtime.enter();
        futures_executor::block_on(async {
            tokio::time::timeout(WORK_TIMEOUT, work)
                .await
                .unwrap_or_else(|_| {
                    Err(format!(
                        "no answer from the database within {} s",
                        WORK_TIMEOUT.as_secs()
                    ))
                })
        })
    }

    /// A write the database refused, as the store reports it.
    pub(super) fn write_error(&self, cause: impl std::fmt::Display) -> StoreError {
        StoreError(format!(
            "cannot write to the sandbox database {}: {cause}",
            self.shown
        ))
    }

    /// A read the database refused, as the store reports it.
    pub(super) fn read_error(&self, cause: impl std::fmt::Display) -> StoreError {
        StoreError(format!(
            "cannot read the sandbox database {}: {cause}",
            self.shown
        ))
    }

    /// Creates the schema in a database that has none; checks the version of one that has.
    fn migrate(&self) -> Result<(), String> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(describe)?;
            tx.exec_cached("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await
                .map_err(describe)?;
            let schema: Option<String> = tx
                .one_cached("SELECT to_regnamespace('papi_sandbox')::text", &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(describe)?;
            if schema.is_none() {
                tx.batch_execute(SCHEMA).await.map_err(describe)?;
                tx.batch_execute(ADDED_TABLES).await.map_err(describe)?;
                return tx.commit().await.map_err(describe);
            }
            let meta: Option<String> = tx
                .one_cached("SELECT to_regclass('papi_sandbox.meta')::text", &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(describe)?;
            if meta.is_none() {
                return Err(
                    "its schema `papi_sandbox` is not a papi sandbox's (no table `meta`)"
                        .to_owned(),
                );
            }
            let version: i32 = tx
                .one_cached(
                    "SELECT schema_version FROM papi_sandbox.meta WHERE id = 1",
                    &[],
                )
                .await
                .and_then(|r| r.try_get(0))
                .map_err(describe)?;
            if version != SCHEMA_VERSION {
                return Err(format!(
                    "its schema version is {version}, this sandbox knows {SCHEMA_VERSION}"
                ));
            }
            tx.batch_execute(ADDED_TABLES).await.map_err(describe)?;
            tx.commit().await.map_err(describe)
        })
    }

    /// The identity provider's key: the stored one, or `generate`'s, stored unless another
    /// process stored one first (then that one is returned).
    pub(crate) fn signing_key(
        &self,
        generate: &mut dyn FnMut() -> Result<String, String>,
    ) -> Result<String, StoreError> {
        let stored = |db: &Self| {
            db.run(async {
                let client = db.client().await?;
                client
                    .one_cached("SELECT idp_key FROM papi_sandbox.meta WHERE id = 1", &[])
                    .await
                    .and_then(|r| r.try_get::<_, Option<String>>(0))
                    .map_err(describe)
            })
        };
        if let Some(pem) = stored(self).map_err(|e| self.read_error(e))? {
            return Ok(pem);
        }
        let pem = generate().map_err(StoreError)?;
        self.run(async {
            let client = self.client().await?;
            client
                .exec_cached(
                    "UPDATE papi_sandbox.meta SET idp_key = $1 WHERE id = 1 AND idp_key IS NULL",
                    &[&pem],
                )
                .await
                .map_err(describe)
        })
        .map_err(|e| self.write_error(e))?;
        stored(self)
            .map_err(|e| self.read_error(e))?
            .ok_or_else(|| self.read_error("the identity provider's key was not kept"))
    }

    /// Stores a user's initial (seed) data, unless the user is stored already (by this
    /// process before, or by another one): `Ok(false)` then, and nothing is written.
    pub(crate) fn seed_user(
        &self,
        login: &str,
        next_id: u64,
        contacts: &[&Contact],
        pictures: &HashMap<String, Vec<u8>>,
    ) -> Result<bool, String> {
        let documents = contacts
            .iter()
            .map(|c| Ok((c.id.as_str(), encode_contact(c)?)))
            .collect::<Result<Vec<_>, String>>()?;
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(describe)?;
            let inserted = tx
                .exec_cached(
                    "INSERT INTO papi_sandbox.users (login, next_id, version) VALUES ($1, $2, 1) \
                     ON CONFLICT (login) DO NOTHING",
                    &[&login, &to_i64(next_id)],
                )
                .await
                .map_err(describe)?;
            if inserted == 0 {
                return Ok(false);
            }
            for (id, document) in &documents {
                insert_contact(&tx, login, id, document, 1).await?;
            }
            for (cid, bytes) in pictures {
                insert_picture(&tx, login, cid, bytes, 1).await?;
            }
            tx.commit().await.map_err(describe)?;
            Ok(true)
        })
    }

    /// The user's version now (one query); `None` for a user not stored.
    pub(crate) fn version(&self, login: &str) -> Result<Option<i64>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .opt_cached(
                    "SELECT version FROM papi_sandbox.users WHERE login = $1",
                    &[&login],
                )
                .await
                .map_err(describe)?;
            row.map(|r| r.try_get(0)).transpose().map_err(describe)
        })
        .map_err(|e| self.read_error(e))
    }

    /// What changed in the user's data above version `since`, read in one snapshot;
    /// `None` for a user not stored.
    pub(crate) fn delta(&self, login: &str, since: i64) -> Result<Option<Delta>, StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(describe)?;
            let delta = read_delta(&tx, login, since, false).await?;
            tx.commit().await.map_err(describe)?;
            Ok(delta)
        })
        .map_err(|e| self.read_error(e))
    }

    /// Changes a user's data, with the user's row locked throughout: `plan` gets what
    /// changed above version `since` (to bring its copy up to date) and works out the
    /// change, which is stored at the next version and returned with that version.
    /// `Ok(None)` when there is no change (nothing is written) or no such user.
    pub(crate) fn change_user(
        &self,
        login: &str,
        since: i64,
        plan: &mut dyn FnMut(Delta) -> Option<UserChange>,
    ) -> Result<Option<(UserChange, i64)>, StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(describe)?;
            let Some(delta) = read_delta(&tx, login, since, true).await? else {
                return Ok(None);
            };
            let version = delta.version + 1;
            let Some(change) = plan(delta) else {
                return Ok(None);
            };
            write_change(&tx, login, &change, version).await?;
            tx.commit().await.map_err(describe)?;
            Ok(Some((change, version)))
        })
        .map_err(|e| self.write_error(e))
    }
}

/// What changed in `login`'s data above `since` (all of it for 0), through `client`; with
/// `lock`, the user's row is locked until the transaction ends (`FOR UPDATE`).
async fn read_delta(
    client: &impl GenericClient,
    login: &str,
    since: i64,
    lock: bool,
) -> Result<Option<Delta>, String> {
    let head = if lock {
        "SELECT version, next_id FROM papi_sandbox.users WHERE login = $1 FOR UPDATE"
    } else {
        "SELECT version, next_id FROM papi_sandbox.users WHERE login = $1"
    };
    let Some(user) = client.opt_cached(head, &[&login]).await.map_err(describe)? else {
        return Ok(None);
    };
    let version: i64 = user.try_get(0).map_err(describe)?;
    let next_id: i64 = user.try_get(1).map_err(describe)?;
    let mut delta = Delta {
        version,
        next_id: u64::try_from(next_id).unwrap_or(1),
        ..Delta::default()
    };
    if version <= since {
        return Ok(Some(delta));
    }
    for row in client
        .query_cached(CHANGED_ROWS, &[&login, &since])
        .await
        .map_err(describe)?
    {
        let kind: i32 = row.try_get(0).map_err(describe)?;
        let key: Option<String> = row.try_get(2).map_err(describe)?;
        let text: Option<String> = row.try_get(3).map_err(describe)?;
        let bytes: Option<Vec<u8>> = row.try_get(4).map_err(describe)?;
        match (kind, key, text, bytes) {
            (0, Some(id), Some(document), _) => {
                delta.contacts.push(decode_contact(login, &id, &document)?);
            }
            (1, Some(contact_id), _, Some(bytes)) => delta.pictures.push((contact_id, bytes)),
            (2, _, Some(params), _) => delta.events.push(decode_pairs(&params)),
            (kind, ..) => return Err(format!("unexpected changed row of kind {kind}")),
        }
    }
    Ok(Some(delta))
}

/// Writes `change` (of the user `login`) at `version`, and raises the user's version (and
/// next id) to it: one statement.
async fn write_change(
    client: &impl GenericClient,
    login: &str,
    change: &UserChange,
    version: i64,
) -> Result<(), String> {
    let users = match change {
        UserChange::Contact {
            contact, next_id, ..
        } => {
            let document = encode_contact(contact)?;
            client
                .exec_cached(
                    CHANGE_CONTACT,
                    &[&login, &contact.id, &document, &version, &to_i64(*next_id)],
                )
                .await
        }
        UserChange::Picture { contact_id, bytes } => {
            let image_type = ImageType::sniff(bytes).map(|t| t.to_string());
            client
                .exec_cached(
                    CHANGE_PICTURE,
                    &[&login, contact_id, bytes, &image_type, &version],
                )
                .await
        }
        UserChange::Event(event) => {
            client
                .exec_cached(CHANGE_EVENT, &[&login, &encode_pairs(event), &version])
                .await
        }
    }
    .map_err(describe)?;
    match users {
        1 => Ok(()),
        n => Err(format!("{n} users changed instead of one")),
    }
}

async fn insert_contact(
    client: &impl GenericClient,
    login: &str,
    id: &str,
    document: &str,
    version: i64,
) -> Result<(), String> {
    client
        .exec_cached(UPSERT_CONTACT, &[&login, &id, &document, &version])
        .await
        .map(drop)
        .map_err(describe)
}

async fn insert_picture(
    client: &impl GenericClient,
    login: &str,
    contact_id: &str,
    bytes: &[u8],
    version: i64,
) -> Result<(), String> {
    let image_type = ImageType::sniff(bytes).map(|t| t.to_string());
    client
        .exec_cached(
            UPSERT_PICTURE,
            &[&login, &contact_id, &bytes, &image_type, &version],
        )
        .await
        .map(drop)
        .map_err(describe)
}
