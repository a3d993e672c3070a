//! The tokens, the consents and the browser sessions in the PostgreSQL database: what
//! every process reads at each use.

use tokio_postgres::types::ToSql;

use crate::domain::consent::{ConsentKey, StoredDecision};
use crate::store::postgres::cached::Cached;
use crate::store::postgres::db::{Db, StoredPending, StoredToken};
use crate::store::postgres::error::describe;
use crate::store::StoreError;

/// A table of rows that expire and are bounded in number: how its expired rows go (`$1`
/// the expiry), how all but the newest `$1` go, and how a row is added.
struct Bounded {
    sweep: &'static str,
    trim: &'static str,
    insert: &'static str,
}

/// Consent requests waiting for the user (`$1` id, `$2` login, `$3` service, `$4` family,
/// `$5` attribute, `$6` creation time).
const PENDING_CONSENTS: Bounded = Bounded {
    sweep: "DELETE FROM papi_sandbox.pending_consents WHERE created_ms <= $1",
    trim: "DELETE FROM papi_sandbox.pending_consents WHERE id IN (SELECT id FROM \
           papi_sandbox.pending_consents ORDER BY created_ms DESC OFFSET $1)",
    insert: "INSERT INTO papi_sandbox.pending_consents \
             (id, login, service, family, attribute, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
};

/// Browser sessions (`$1` id hash, `$2` login, `$3` form token, `$4` expiry).
const SESSIONS: Bounded = Bounded {
    sweep: "DELETE FROM papi_sandbox.sessions WHERE expires_ms <= $1",
    trim: "DELETE FROM papi_sandbox.sessions WHERE id_hash IN (SELECT id_hash FROM \
           papi_sandbox.sessions ORDER BY expires_ms DESC OFFSET $1)",
    insert: "INSERT INTO papi_sandbox.sessions (id_hash, login, csrf, expires_ms) \
             VALUES ($1, $2, $3, $4)",
};

impl Db {
    /// Stores an issued token (by its hash) and forgets the tokens expired at `now_ms`.
    pub(crate) fn save_token(
        &self,
        hash: &str,
        login: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(describe)?;
            tx.exec_cached(
                "DELETE FROM papi_sandbox.tokens WHERE expires_ms <= $1",
                &[&now_ms],
            )
            .await
            .map_err(describe)?;
            tx.exec_cached(
                "INSERT INTO papi_sandbox.tokens (hash, login, expires_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (hash) DO UPDATE SET login = excluded.login, \
                 expires_ms = excluded.expires_ms",
                &[&hash, &login, &expires_ms],
            )
            .await
            .map_err(describe)?;
            tx.commit().await.map_err(describe)
        })
        .map_err(|e| self.write_error(e))
    }

    /// The stored token of that hash.
    pub(crate) fn token(&self, hash: &str) -> Result<Option<StoredToken>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .opt_cached(
                    "SELECT login, expires_ms FROM papi_sandbox.tokens WHERE hash = $1",
                    &[&hash],
                )
                .await
                .map_err(describe)?;
            row.map(|r| {
                Ok(StoredToken {
                    login: r.try_get(0)?,
                    expires_ms: r.try_get(1)?,
                })
            })
            .transpose()
            .map_err(describe::<tokio_postgres::Error>)
        })
        .map_err(|e| self.read_error(e))
    }

    /// Forgets a token (expired).
    pub(crate) fn delete_token(&self, hash: &str) -> Result<(), StoreError> {
        self.run(async {
            let client = self.client().await?;
            client
                .exec_cached("DELETE FROM papi_sandbox.tokens WHERE hash = $1", &[&hash])
                .await
                .map(drop)
                .map_err(describe)
        })
        .map_err(|e| self.write_error(e))
    }

    /// The decisions stored on `key` and on its whole family, as (attribute, decision),
    /// with `''` as the family's attribute.
    pub(crate) fn decisions(&self, key: &ConsentKey) -> Result<Vec<(String, String)>, StoreError> {
        let attribute = key.attribute.unwrap_or_default();
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query_cached(
                    "SELECT attribute, decision FROM papi_sandbox.consents \
                     WHERE login = $1 AND service = $2 AND family = $3 \
                     AND (attribute = $4 OR attribute = '')",
                    &[&key.user, &key.service, &key.family, &attribute],
                )
                .await
                .map_err(describe)?;
            rows.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<Vec<_>, tokio_postgres::Error>>()
                .map_err(describe)
        })
        .map_err(|e| self.read_error(e))
    }

    /// Consumes the decision `decision` on `key` (a one-call grant): whether this call
    /// removed it (another one may have, in this process or another).
    pub(crate) fn consume_decision(
        &self,
        key: &ConsentKey,
        decision: &str,
    ) -> Result<bool, StoreError> {
        self.run(async {
            let client = self.client().await?;
            client
                .exec_cached(
                    "DELETE FROM papi_sandbox.consents WHERE login = $1 AND service = $2 \
                     AND family = $3 AND attribute = $4 AND decision = $5",
                    &[
                        &key.user,
                        &key.service,
                        &key.family,
                        &key.attribute.unwrap_or_default(),
                        &decision,
                    ],
                )
                .await
                .map(|deleted| deleted == 1)
                .map_err(describe)
        })
        .map_err(|e| self.write_error(e))
    }

    /// Records a consent request under `id`, forgetting those created at or before
    /// `expired_ms` and, beyond `max` requests, the oldest.
    pub(crate) fn ask_consent(
        &self,
        key: &ConsentKey,
        id: &str,
        now_ms: i64,
        expired_ms: i64,
        max: usize,
    ) -> Result<(), StoreError> {
        let attribute = key.attribute.unwrap_or_default();
        self.insert_bounded(
            &PENDING_CONSENTS,
            expired_ms,
            max,
            &[
                &id,
                &key.user,
                &key.service,
                &key.family,
                &attribute,
                &now_ms,
            ],
        )
    }

    /// The consent request `id`, unless created at or before `expired_ms`.
    pub(crate) fn pending_consent(
        &self,
        id: &str,
        expired_ms: i64,
    ) -> Result<Option<StoredPending>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .opt_cached(
                    "SELECT login, service, family, attribute FROM papi_sandbox.pending_consents \
                     WHERE id = $1 AND created_ms > $2",
                    &[&id, &expired_ms],
                )
                .await
                .map_err(describe)?;
            row.map(|r| pending_from_row(&r))
                .transpose()
                .map_err(describe)
        })
        .map_err(|e| self.read_error(e))
    }

    /// Answers the consent request `id` (unless created at or before `expired_ms`): removes
    /// it, and stores `decide`'s decision (form value) on the key it returns, in one
    /// transaction. `Ok(None)` when there is no such request (or `decide` declines it).
    pub(crate) fn decide_consent<K>(
        &self,
        id: &str,
        expired_ms: i64,
        decide: impl FnOnce(StoredPending) -> Option<(K, StoredDecision)>,
    ) -> Result<Option<K>, StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(describe)?;
            let row = tx
                .opt_cached(
                    "DELETE FROM papi_sandbox.pending_consents WHERE id = $1 AND created_ms > $2 \
                     RETURNING login, service, family, attribute",
                    &[&id, &expired_ms],
                )
                .await
                .map_err(describe)?;
            let Some(row) = row else {
                return Ok(None);
            };
            let pending = pending_from_row(&row).map_err(describe)?;
            let Some((key, d)) = decide(pending) else {
                return Ok(None);
            };
            tx.exec_cached(
                "INSERT INTO papi_sandbox.consents (login, service, family, attribute, decision) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (login, service, family, attribute) \
                 DO UPDATE SET decision = excluded.decision",
                &[
                    &d.login,
                    &d.service,
                    &d.family,
                    &d.attribute.unwrap_or_default(),
                    &d.decision,
                ],
            )
            .await
            .map_err(describe)?;
            tx.commit().await.map_err(describe)?;
            Ok(Some(key))
        })
        .map_err(|e| self.write_error(e))
    }

    /// Opens a session (by the hash of its id), forgetting the sessions expired at
    /// `now_ms` and, beyond `max`, the oldest.
    pub(crate) fn open_session(
        &self,
        id_hash: &str,
        login: &str,
        csrf: &str,
        now_ms: i64,
        expires_ms: i64,
        max: usize,
    ) -> Result<(), StoreError> {
        self.insert_bounded(
            &SESSIONS,
            now_ms,
            max,
            &[&id_hash, &login, &csrf, &expires_ms],
        )
    }

    /// Inserts a row into a table of rows that expire, bounded in number: forgets the rows
    /// expired at `expired` and, beyond `max`, the oldest, then inserts `row`; one
    /// transaction.
    fn insert_bounded(
        &self,
        table: &Bounded,
        expired: i64,
        max: usize,
        row: &[&(dyn ToSql + Sync)],
    ) -> Result<(), StoreError> {
        let keep = i64::try_from(max.saturating_sub(1)).unwrap_or(i64::MAX);
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(describe)?;
            tx.exec_cached(table.sweep, &[&expired])
                .await
                .map_err(describe)?;
            tx.exec_cached(table.trim, &[&keep])
                .await
                .map_err(describe)?;
            tx.exec_cached(table.insert, row).await.map_err(describe)?;
            tx.commit().await.map_err(describe)
        })
        .map_err(|e| self.write_error(e))
    }

    /// The session of that id hash, unless expired at `now_ms`: (login, form token,
    /// expiry in Unix milliseconds).
    pub(crate) fn session(
        &self,
        id_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(String, String, i64)>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .opt_cached(
                    "SELECT login, csrf, expires_ms FROM papi_sandbox.sessions \
                     WHERE id_hash = $1 AND expires_ms > $2",
                    &[&id_hash, &now_ms],
                )
                .await
                .map_err(describe)?;
            row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .transpose()
                .map_err(describe::<tokio_postgres::Error>)
        })
        .map_err(|e| self.read_error(e))
    }
}

fn pending_from_row(r: &tokio_postgres::Row) -> Result<StoredPending, tokio_postgres::Error> {
    Ok(StoredPending {
        login: r.try_get(0)?,
        service: r.try_get(1)?,
        family: r.try_get(2)?,
        attribute: r.try_get(3)?,
    })
}
