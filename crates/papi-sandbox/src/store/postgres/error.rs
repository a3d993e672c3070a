//! The driver's errors in words: every cause of the chain, a server error with its
//! severity, SQLSTATE and message (never its detail, which can quote the data).

use std::error::Error;

use tokio_postgres::error::DbError;

/// `e` and its causes, joined by `: ` (a cause already in the words before it is left out).
pub(super) fn describe<E: Error + 'static>(e: E) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cause: Option<&(dyn Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        let part = match c.downcast_ref::<DbError>() {
            Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
            None => c.to_string(),
        };
        if !parts.iter().any(|p| p.contains(&part)) {
            parts.push(part);
        }
        cause = c.source();
    }
    parts.join(": ")
}
