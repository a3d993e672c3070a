//! The SAML sign-ins waiting for the user's password, in the PostgreSQL database: started
//! on one process, answered on any. The bounds of [`crate::domain::sign_in`] hold across
//! processes: a client's sign-in is recorded under an advisory lock of that client's.

use tokio_postgres::Row;
use url::Url;

use crate::domain::sign_in::{AuthnRequest, NoAttempt};
use crate::store::postgres::cached::Cached;
use crate::store::postgres::db::Db;
use crate::store::postgres::error::describe;
use crate::store::postgres::schema::SIGN_IN_LOCK;
use crate::store::StoreError;

/// A sign-in to record.
pub(crate) struct NewSignIn<'a> {
    pub(crate) id: &'a str,
    pub(crate) client: &'a str,
    pub(crate) request: &'a AuthnRequest,
    pub(crate) relay_state: Option<&'a str>,
    pub(crate) now_ms: i64,
}

/// The bounds on sign-ins: the oldest still waiting, and how many one client and all keep.
pub(crate) struct Bounds {
    pub(crate) expired_ms: i64,
    pub(crate) per_client: usize,
    pub(crate) all: usize,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The request of a sign-in row whose first three columns are `request_id`, `issuer` and
/// `acs_url`.
fn request_of(row: &Row) -> Result<AuthnRequest, String> {
    let acs_url: String = row.try_get(2).map_err(describe)?;
    let acs_url = Url::parse(&acs_url)
        .map_err(|e| format!("a stored sign-in's consumer URL is not a URL: {e}"))?;
    Ok(AuthnRequest {
        id: row.try_get(0).map_err(describe)?,
        issuer: row.try_get(1).map_err(describe)?,
        acs_url,
    })
}

impl Db {
    /// Records a sign-in, making room first: the expired go; a client at its bound loses
    /// its oldest; when all places are taken, the client holding the most loses its oldest.
    pub(crate) fn start_sign_in(
        &self,
        new: &NewSignIn<'_>,
        bounds: &Bounds,
    ) -> Result<(), StoreError> {
        self.run(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(describe)?;
            // One client's sign-ins are recorded one at a time (its bound is exact); the
            // bound on all is kept without a lock that every client would queue on, so it
            // may be passed by the sign-ins recorded at the same moment.
            tx.exec_cached(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                &[&SIGN_IN_LOCK, &new.client],
            )
            .await
            .map_err(describe)?;
            tx.exec_cached(
                "DELETE FROM papi_sandbox.sign_ins WHERE created_ms <= $1",
                &[&bounds.expired_ms],
            )
            .await
            .map_err(describe)?;
            let own: i64 = tx
                .one_cached(
                    "SELECT count(*) FROM papi_sandbox.sign_ins WHERE client = $1",
                    &[&new.client],
                )
                .await
                .and_then(|r| r.try_get(0))
                .map_err(describe)?;
            let all: i64 = tx
                .one_cached("SELECT count(*) FROM papi_sandbox.sign_ins", &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(describe)?;
            let loser = if own >= count(bounds.per_client) {
                Some(new.client.to_owned())
            } else if all >= count(bounds.all) {
                tx.opt_cached(
                    "SELECT client FROM papi_sandbox.sign_ins GROUP BY client \
                     ORDER BY count(*) DESC LIMIT 1",
                    &[],
                )
                .await
                .map_err(describe)?
                .map(|r| r.try_get::<_, String>(0))
                .transpose()
                .map_err(describe)?
            } else {
                None
            };
            if let Some(loser) = loser {
                tx.exec_cached(
                    "DELETE FROM papi_sandbox.sign_ins WHERE id = (SELECT id FROM \
                     papi_sandbox.sign_ins WHERE client = $1 ORDER BY created_ms LIMIT 1)",
                    &[&loser],
                )
                .await
                .map_err(describe)?;
            }
            tx.exec_cached(
                "INSERT INTO papi_sandbox.sign_ins (id, client, request_id, issuer, acs_url, \
                 relay_state, created_ms, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
                &[
                    &new.id,
                    &new.client,
                    &new.request.id,
                    &new.request.issuer,
                    &new.request.acs_url.as_str(),
                    &new.relay_state,
                    &new.now_ms,
                ],
            )
            .await
            .map_err(describe)?;
            tx.commit().await.map_err(describe)
        })
        .map_err(|e| self.write_error(e))
    }

    /// Counts one more password on the sign-in `id` (unless created at or before
    /// `expired_ms`) and gives its request; a sign-in with `max` passwords tried is dropped.
    pub(crate) fn attempt_sign_in(
        &self,
        id: &str,
        expired_ms: i64,
        max: u32,
    ) -> Result<Result<AuthnRequest, NoAttempt>, StoreError> {
        let max = i32::try_from(max).unwrap_or(i32::MAX);
        self.run(async {
            let client = self.client().await?;
            let counted = client
                .opt_cached(
                    "UPDATE papi_sandbox.sign_ins SET attempts = attempts + 1 \
                     WHERE id = $1 AND created_ms > $2 AND attempts < $3 \
                     RETURNING request_id, issuer, acs_url",
                    &[&id, &expired_ms, &max],
                )
                .await
                .map_err(describe)?;
            if let Some(row) = counted {
                return Ok(Ok(request_of(&row)?));
            }
            // Not counted: its passwords are used up (then it goes), or it is gone.
            let used_up = client
                .opt_cached(
                    "DELETE FROM papi_sandbox.sign_ins WHERE id = $1 AND created_ms > $2 \
                     RETURNING id",
                    &[&id, &expired_ms],
                )
                .await
                .map_err(describe)?;
            Ok(Err(if used_up.is_some() {
                NoAttempt::TooMany
            } else {
                NoAttempt::Gone
            }))
        })
        .map_err(|e| self.write_error(e))
    }

    /// How many passwords the sign-in `id` still takes (of `max`); at none left it goes.
    pub(crate) fn sign_in_attempts_left(&self, id: &str, max: u32) -> Result<u32, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let tried: Option<i32> = client
                .opt_cached(
                    "SELECT attempts FROM papi_sandbox.sign_ins WHERE id = $1",
                    &[&id],
                )
                .await
                .map_err(describe)?
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(describe)?;
            let left = tried.map_or(0, |t| max.saturating_sub(u32::try_from(t).unwrap_or(max)));
            if left == 0 {
                client
                    .exec_cached("DELETE FROM papi_sandbox.sign_ins WHERE id = $1", &[&id])
                    .await
                    .map_err(describe)?;
            }
            Ok(left)
        })
        .map_err(|e| self.write_error(e))
    }

    /// Ends the sign-in `id`: its request and relay state, unless created at or before
    /// `expired_ms`.
    pub(crate) fn finish_sign_in(
        &self,
        id: &str,
        expired_ms: i64,
    ) -> Result<Option<(AuthnRequest, Option<String>)>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let row = client
                .opt_cached(
                    "DELETE FROM papi_sandbox.sign_ins WHERE id = $1 \
                     RETURNING request_id, issuer, acs_url, relay_state, created_ms",
                    &[&id],
                )
                .await
                .map_err(describe)?;
            let Some(row) = row else {
                return Ok(None);
            };
            let created_ms: i64 = row.try_get(4).map_err(describe)?;
            if created_ms <= expired_ms {
                return Ok(None);
            }
            Ok(Some((request_of(&row)?, row.try_get(3).map_err(describe)?)))
        })
        .map_err(|e| self.write_error(e))
    }
}
