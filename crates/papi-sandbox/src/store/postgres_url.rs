//! [`PostgresUrl`]: where a PostgreSQL store is ([`crate::SandboxConfig::postgres`]), with
//! its password kept out of `Debug`, `Display` and every message.

use std::fmt;
use std::str::FromStr;

use url::Url;

/// The connection URL of a PostgreSQL database the sandbox keeps its data in
/// (`postgres://user:password@host:port/database?options`, or `postgresql://…`), checked
/// when made. Several sandbox processes given the same database behave as one.
///
/// Its password never appears in `Debug` or `Display` (shown as `***`); read it back, if
/// you must, with [`PostgresUrl::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(Url);

/// The driver's query option holding a password.
const PASSWORD_OPTION: &str = "password";

/// Why a text is not a [`PostgresUrl`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a PostgreSQL URL ({reason}); expected postgres://user[:password]@host[:port]/database"
)]
pub struct PostgresUrlError {
    reason: &'static str,
}

impl PostgresUrl {
    /// The URL with its password, to connect with. Keep it out of logs.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// The URL with the password replaced by `***`: the one before the host, and the
    /// value of any `password` option in the query (which the driver also takes).
    fn redacted(&self) -> Url {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            // A URL with a password has a host, so it can hold a password: never fails.
            let _ = shown.set_password(Some("***"));
        }
        if shown.query_pairs().any(|(k, _)| k == PASSWORD_OPTION) {
            let pairs: Vec<(String, String)> = shown
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == PASSWORD_OPTION {
                        "***".into()
                    } else {
                        v
                    };
                    (k.into_owned(), v.into_owned())
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        shown
    }

    /// Whether `text` is meant as a PostgreSQL database rather than a file: it starts with
    /// the scheme `postgres:` or `postgresql:` (a malformed URL is then refused, not taken
    /// for a file name).
    pub fn is_postgres_url(text: &str) -> bool {
        ["postgres:", "postgresql:"].iter().any(|scheme| {
            text.as_bytes()
                .get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme.as_bytes()))
        })
    }
}

impl FromStr for PostgresUrl {
    type Err = PostgresUrlError;

    /// Checks the scheme and that there is a host; the rest (options, database) is the
    /// driver's to check when the sandbox connects.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if !Self::is_postgres_url(text) {
            return Err(PostgresUrlError {
                reason: "its scheme is not postgres or postgresql",
            });
        }
        // The parse error is not shown: it could quote the password.
        let url = Url::parse(text).map_err(|_| PostgresUrlError {
            reason: "it cannot be parsed as a URL",
        })?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(PostgresUrlError {
                reason: "it names no host",
            });
        }
        Ok(Self(url))
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.redacted().as_str())
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PostgresUrl")
            .field(&self.redacted().as_str())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        let url: PostgresUrl = "postgres://papi:s3cret@db.example:5432/sandbox"
            .parse()
            .unwrap();
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(
                shown.contains("papi:***@db.example:5432/sandbox"),
                "{shown}"
            );
        }
        assert!(url.expose().contains("s3cret"));
        // The driver also takes a password as a query option.
        let url: PostgresUrl = "postgres://papi@db.example/sandbox?sslmode=disable&password=qu3ry"
            .parse()
            .unwrap();
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("qu3ry"), "{shown}");
            assert!(shown.contains("sslmode=disable&password=***"), "{shown}");
        }
    }

    #[test]
    fn only_postgres_urls_with_a_host_are_taken() {
        for good in ["postgres://h/db", "POSTGRESQL://u@h:1/db?sslmode=disable"] {
            assert!(good.parse::<PostgresUrl>().is_ok(), "{good}");
        }
        for bad in [
            "sandbox.db",
            "/tmp/x.db",
            "mysql://h/db",
            "postgres:///db",
            "postgres://",
            "postgres:host/db",
        ] {
            assert!(bad.parse::<PostgresUrl>().is_err(), "{bad}");
        }
        // A file name is not a URL, whatever its characters (none of it is sliced).
        for file in ["/tmp/xàéè.db", "é", "p", "postgre"] {
            assert!(!PostgresUrl::is_postgres_url(file), "{file}");
        }
        assert!(PostgresUrl::is_postgres_url("PostgreSQL:typo"));
        // An unparsable URL's error does not quote it (it may hold a password).
        let e = "postgres://u:pw@[bad/db"
            .parse::<PostgresUrl>()
            .unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
    }
}
