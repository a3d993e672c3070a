//! What `papi sandbox` prints when it starts: enough to use it without reading the source.

use std::path::PathBuf;

use papi_sandbox::{AutoConsent, Faults, PostgresUrl, RunningSandbox, Sandbox, SandboxConfig};

/// `--auto-consent` as the sandbox takes it: absent, off; `all` (or the flag alone), every
/// family; else the families listed.
pub(crate) fn auto_consent(flag: Option<Vec<String>>) -> AutoConsent {
    match flag {
        None => AutoConsent::Off,
        Some(families) if families.iter().any(|f| f == "all") => AutoConsent::All,
        Some(families) => AutoConsent::Families(
            families
                .into_iter()
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .collect(),
        ),
    }
}

/// Where `--db` keeps the data.
#[derive(Debug, Clone)]
pub(crate) enum Database {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL database.
    Postgres(PostgresUrl),
}

/// `--db`: a `postgres://` (or `postgresql://`) URL names a PostgreSQL database; anything
/// else is a SQLite file's path.
pub(crate) fn parse_db(text: &str) -> Result<Database, String> {
    if PostgresUrl::is_postgres_url(text) {
        text.parse()
            .map(Database::Postgres)
            .map_err(|e: papi_sandbox::PostgresUrlError| e.to_string())
    } else {
        Ok(Database::File(PathBuf::from(text)))
    }
}

/// `--faults FILE` (YAML) with `--fault-seed`, as the sandbox takes them.
pub(crate) fn faults(file: Option<&std::path::Path>, seed: Option<u64>) -> Result<Faults, String> {
    let Some(file) = file else {
        return Ok(Faults::default());
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read the faults file {}: {e}", file.display()))?;
    let mut faults =
        Faults::from_yaml(&text).map_err(|e| format!("faults file {}: {e}", file.display()))?;
    if let Some(seed) = seed {
        faults.seed = seed;
    }
    Ok(faults)
}

/// The banner: URL, service credentials, test users, identity provider and its metadata,
/// where the data is, and the switches in force. The credentials are the sandbox's own
/// test values (the sandbox is for development), printed so that nobody has to look
/// them up.
pub(crate) fn banner(
    config: &SandboxConfig,
    sandbox: &Sandbox,
    running: &RunningSandbox,
) -> String {
    let base = running.base_url();
    let mut out = format!("papi sandbox listening on {base}\n");
    if running.public_url() != base {
        out.push_str(&format!(
            "  public URL (load balancer or proxy; in consent URLs and the identity provider's endpoints): {}\n",
            running.public_url()
        ));
    }
    out.push_str(&format!(
        "  service (HTTP Basic): id {} / password {}\n",
        config.service_id, config.service_password
    ));
    let users: Vec<String> = config
        .users
        .iter()
        .map(|u| format!("{} / {}", u.login, u.password))
        .collect();
    out.push_str(&format!(
        "  test users (login / password): {}\n",
        users.join(", ")
    ));
    out.push_str(&format!(
        "  SAML identity provider: entity id {}, sign-in {}\n  SAML metadata (trust it with papi-auth's IdentityProviderConfig::fetch_metadata): {}\n",
        running.idp_entity_id(),
        running.login_url(),
        running.metadata_url()
    ));
    out.push_str(&match (sandbox.db_path(), sandbox.postgres()) {
        (Some(path), _) => format!(
            "  data: stored in {} (kept across restarts)\n",
            path.display()
        ),
        (None, Some(url)) => format!(
            "  data: stored in PostgreSQL at {url} (kept across restarts, shared by every sandbox given it)\n"
        ),
        (None, None) => {
            "  data: in memory (lost when the sandbox stops; --db FILE or --db postgres://… keeps it)\n"
                .to_owned()
        }
    });
    let stored = sandbox.db_path().is_some() || sandbox.postgres().is_some();
    out.push_str(&match (&config.idp_key, stored) {
        (Some(path), _) => format!("  signing key: kept in {}\n", path.display()),
        (None, true) => "  signing key: kept in the database\n".to_owned(),
        (None, false) => {
            "  signing key: new at each start (--idp-key FILE or --db keeps it)\n".to_owned()
        }
    });
    out.push_str(&format!(
        "  consent: {}\n",
        match &config.auto_consent {
            AutoConsent::Off => "asked on the consent page (--auto-consent skips it)".to_owned(),
            AutoConsent::All => "auto-consent: every family counts as granted".to_owned(),
            AutoConsent::Families(f) =>
                format!("auto-consent for {}; asked for the others", f.join(", ")),
            other => format!("{other:?}"),
        }
    ));
    out.push_str(&format!(
        "  connections: at most {}; a request head within {} s; idle ones closed after {} s\n",
        config.max_connections,
        config.header_read_timeout.as_secs(),
        config.idle_timeout.as_secs()
    ));
    if !config.faults.rules.is_empty() {
        out.push_str(&format!(
            "  faults: {} rule(s) injected, seed {}\n",
            config.faults.rules.len(),
            config.faults.seed
        ));
    }
    let with_loopback = |origins: &[String]| {
        std::iter::once("loopback")
            .chain(origins.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!(
        "  the identity provider answers services at: {} (--allowed-acs-origin)\n",
        with_loopback(&config.allowed_acs_origins)
    ));
    out.push_str(&format!(
        "  consent pages send users back to: {} (--site-origin)\n",
        with_loopback(&config.site_origins)
    ));
    if let Some(user) = config.users.first() {
        out.push_str(&format!(
            "  token shortcut for scripts: curl -d login={} -d password={} {base}sandbox/login\n",
            user.login, user.password
        ));
    }
    out
}
