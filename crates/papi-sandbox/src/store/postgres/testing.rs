//! A fresh PostgreSQL database per test, on the server `PAPI_TEST_POSTGRES` names (an
//! administrator's URL, e.g. the one `.ci/postgres` prints), dropped when the test ends.
//! For this workspace's tests; not part of the API.
//!
//! Without `PAPI_TEST_POSTGRES`, [`TestDatabase::create`] says loudly that the test is
//! skipped; with `PAPI_REQUIRE_POSTGRES` set (as CI sets it), it fails instead.

use tokio_postgres::{NoTls, SimpleQueryMessage};
use url::Url;

use crate::store::postgres_url::PostgresUrl;
use crate::util::random::random_hex;

/// A database made for one test, dropped (with its connections) when this is dropped.
pub struct TestDatabase {
    admin: String,
    name: String,
    url: PostgresUrl,
}

/// Runs `sql` (one or more statements) on the database at `url`, on a thread and runtime
/// of its own (so that it works in async tests too); the rows' first columns, as text.
fn run_sql(url: &str, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(async {
                    let (client, connection) = tokio_postgres::connect(url, NoTls)
                        .await
                        .map_err(|e| e.to_string())?;
                    let driver = tokio::spawn(connection);
                    let messages = client.simple_query(sql).await.map_err(|e| e.to_string());
                    drop(client);
                    let _ = driver.await;
                    Ok(messages?
                        .iter()
                        .filter_map(|m| match m {
                            SimpleQueryMessage::Row(row) => Some(
                                (0..row.len())
                                    .map(|i| row.get(i).map(str::to_owned))
                                    .collect(),
                            ),
                            _ => None,
                        })
                        .collect())
                })
            })
            .join()
            .unwrap_or_else(|_| Err("the SQL thread panicked".to_owned()))
    })
}

impl TestDatabase {
    /// A new empty database named after `test`; `None` when no server is configured
    /// (printed as SKIPPED). Panics when `PAPI_REQUIRE_POSTGRES` is set without a server,
    /// or when the server refuses.
    pub fn create(test: &str) -> Option<Self> {
        let Ok(admin) = std::env::var("PAPI_TEST_POSTGRES") else {
            assert!(
                std::env::var_os("PAPI_REQUIRE_POSTGRES").is_none(),
                "PAPI_REQUIRE_POSTGRES is set but PAPI_TEST_POSTGRES is not: start a server with `eval \"$(bash .ci/postgres)\"`"
            );
            eprintln!("\n**********\nSKIPPED: {test} needs PostgreSQL: run `eval \"$(bash .ci/postgres)\"` first (it sets PAPI_TEST_POSTGRES; .ci/run does)\n**********\n");
            return None;
        };
        let name = format!(
            "papi_test_{}_{}",
            test.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(30)
                .collect::<String>()
                .to_ascii_lowercase(),
            random_hex(6).expect("randomness")
        );
        run_sql(&admin, &format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        let mut url = Url::parse(&admin).expect("PAPI_TEST_POSTGRES is a URL");
        url.set_path(&name);
        let url = url
            .as_str()
            .parse()
            .expect("PAPI_TEST_POSTGRES is a postgres:// URL");
        Some(Self { admin, name, url })
    }

    /// The database's URL.
    pub fn url(&self) -> &PostgresUrl {
        &self.url
    }

    /// Runs `sql` on the database: each row's columns as text.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        run_sql(self.url.expose(), sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs `sql`, a query of one integer (a count).
    pub fn count(&self, sql: &str) -> i64 {
        let rows = self.query(sql);
        rows.first()
            .and_then(|row| row.first().cloned().flatten())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{sql}: not one integer: {rows:?}"))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Err(e) = run_sql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("cannot drop the test database {}: {e}", self.name);
        }
    }
}
