//! `papi`: run the local sandbox, or walk the whole documented flow against an embedded one.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::stop::StopSignals;

mod banner;
mod call;
mod demo;
mod runner;
mod stop;
#[rustfmt::skip]
mod generated;

/// The papi command.
// No Debug: the arguments carry the service password and the user token.
#[derive(Parser)]
#[command(
    name = "papi",
    version,
    about = "Orange Personal APIs: local sandbox and demo"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the sandbox server (every API of the suite on loopback) until Ctrl-C or SIGTERM.
    Sandbox {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        host: IpAddr,
        /// Keep the data in this SQLite file (created if absent), so it survives a
        /// restart; or, given a `postgres://user:password@host/database` URL, in that
        /// PostgreSQL database, which several sandbox processes can share (they behave as
        /// one). Without it, the data is in memory and lost when the sandbox stops. From
        /// the environment, the URL's password stays out of the process list.
        // Checked after parsing (`banner::parse_db`): clap's own error would print the value,
        // password and all.
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "PAPI_SANDBOX_DB",
            hide_env_values = true
        )]
        db: Option<String>,
        /// The URL the sandbox is reached at when a load balancer or a proxy stands in front
        /// of it (`https://sandbox.example/`): consent URLs and the identity provider's
        /// endpoints are written with it. Without it, the address it listens on.
        // Checked after parsing: clap's own error would print the value, credentials and all.
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
        /// Count privacy families as already granted, for tests that are not about consent:
        /// alone, every family; or a comma-separated list (`contact,messages`). Without it,
        /// every call needs the user's consent, as with the real APIs.
        #[arg(long, value_name = "FAMILIES", num_args = 0..=1, default_missing_value = "all", value_delimiter = ',')]
        auto_consent: Option<Vec<String>>,
        /// Keep the identity provider's signing key in this file (PKCS#8 PEM, created if
        /// absent), so that services keep trusting it across restarts; without it, the key
        /// is kept in `--db` when given, else made anew at each start.
        #[arg(long, value_name = "FILE")]
        idp_key: Option<PathBuf>,
        /// Inject faults and latency described in this YAML file (see the `Faults` type of
        /// papi-sandbox): per action, a latency range, and with a probability an error of the
        /// spec's tables, another HTTP status, a truncated answer or a closed connection.
        #[arg(long, value_name = "FILE")]
        faults: Option<PathBuf>,
        /// Seed of the fault draws, instead of the file's (the same seed and calls give the
        /// same faults).
        #[arg(long, value_name = "N", requires = "faults")]
        fault_seed: Option<u64>,
        /// Seconds a client has to send a whole request head once its connection is ready
        /// for one (accepted, or its previous answer sent); slower connections are closed.
        #[arg(long, value_name = "SECONDS", default_value_t = defaults().header_read_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
        header_read_timeout: u64,
        /// Seconds a kept-alive connection stays open after an answer without a new request.
        #[arg(long, value_name = "SECONDS", default_value_t = defaults().idle_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
        idle_timeout: u64,
        /// Most connections served at once; beyond it, a new connection closes the one idle
        /// the longest (keep it below the limit of open files, `ulimit -n`).
        #[arg(long, value_name = "N", default_value_t = defaults().max_connections, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        max_connections: usize,
        /// A web site of the service (`scheme://host[:port]`) the consent page may send
        /// users back to (`urlRetour`); repeat as needed. Loopback is always allowed;
        /// another return URL gets an error page.
        #[arg(long = "site-origin", value_name = "ORIGIN", value_parser = papi_sandbox::parse_origin)]
        site_origins: Vec<String>,
        /// An origin (`scheme://host[:port]`) the identity provider may post its signed
        /// answers, which carry the user's token, to; repeat as needed. Loopback is always
        /// allowed; without this flag, only loopback, wherever the sandbox listens.
        #[arg(long = "allowed-acs-origin", value_name = "ORIGIN", value_parser = papi_sandbox::parse_origin)]
        allowed_acs_origins: Vec<String>,
    },
    /// Start an embedded sandbox and walk the documented flow with the generated clients:
    /// sign-in, a call refused for lack of consent, consent, the same call answered, a
    /// contact added and read back.
    Demo,
    /// Call one action of one API against any base URL and print the answer as JSON.
    ///
    /// The parameters are read and checked by the action's operation, as the typed clients
    /// check them: nothing is sent when one is refused. Exit codes: 0 answered, 2 wrong
    /// command line, 3 a parameter refused before sending, 4 an error answered by the API,
    /// 5 no answer (connection, timeout), 6 an answer that cannot be read.
    Call {
        /// API id as in the spec (a wrong one lists the known ids).
        api: String,
        /// Action as on the wire (a wrong one lists the API's actions).
        action: String,
        /// A parameter, `name=value` (`file=@path` uploads a file); repeat as needed.
        #[arg(long = "param", short = 'p')]
        params: Vec<String>,
        /// Base URL of the server; the API's path is appended.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
        /// Accept a plain-http base URL of another host than this machine (the service
        /// password and the token then cross the network in clear text).
        #[arg(long)]
        allow_plain_http: bool,
        /// Service id (HTTP Basic user).
        #[arg(long, env = "PAPI_SERVICE_ID")]
        service_id: String,
        /// Service password; prefer the environment variable to the command line.
        #[arg(long, env = "PAPI_SERVICE_PASSWORD", hide_env_values = true)]
        service_password: String,
        /// User token; prefer the environment variable to the command line.
        #[arg(long, env = "PAPI_TOKEN", hide_env_values = true)]
        token: String,
        /// Your page the user comes back to after a consent page: with it, a privacy error
        /// prints the whole redirect to send the user to.
        #[arg(long, value_name = "URL")]
        return_url: Option<String>,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sandbox {
            port,
            host,
            db,
            public_url,
            auto_consent,
            idp_key,
            faults,
            fault_seed,
            header_read_timeout,
            idle_timeout,
            max_connections,
            site_origins,
            allowed_acs_origins,
        } => {
            init_tracing();
            let faults = match banner::faults(faults.as_deref(), fault_seed) {
                Ok(faults) => faults,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let (db, postgres) = match db.as_deref().map(banner::parse_db).transpose() {
                Ok(None) => (None, None),
                Ok(Some(banner::Database::File(path))) => (Some(path), None),
                Ok(Some(banner::Database::Postgres(url))) => (None, Some(url)),
                Err(e) => {
                    eprintln!("error: --db: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let public_url = match public_url.as_deref().map(papi_core::url::Url::parse) {
                None => None,
                Some(Ok(url)) => Some(url),
                Some(Err(e)) => {
                    eprintln!("error: --public-url is not a URL: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let config = papi_sandbox::SandboxConfig {
                faults,
                db,
                postgres,
                public_url,
                auto_consent: banner::auto_consent(auto_consent),
                idp_key,
                header_read_timeout: Duration::from_secs(header_read_timeout),
                idle_timeout: Duration::from_secs(idle_timeout),
                max_connections,
                site_origins,
                allowed_acs_origins,
                ..defaults()
            };
            run_sandbox(SocketAddr::new(host, port), config).await
        }
        Command::Call {
            api,
            action,
            params,
            base_url,
            allow_plain_http,
            service_id,
            service_password,
            token,
            return_url,
        } => {
            let args = call::CallArgs {
                api,
                action,
                params,
                base_url,
                allow_plain_http,
                service_id,
                service_password,
                token,
                return_url,
            };
            match call::run(args).await {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            }
        }
        Command::Demo => match demo::run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demo failed: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The sandbox's default configuration, whose values the flags default to.
fn defaults() -> papi_sandbox::SandboxConfig {
    papi_sandbox::SandboxConfig::default()
}

async fn run_sandbox(addr: SocketAddr, config: papi_sandbox::SandboxConfig) -> ExitCode {
    let sandbox = match papi_sandbox::Sandbox::open(config.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let running = match sandbox.bind(addr).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Listen for Ctrl-C and SIGTERM before announcing the URL: a signal arriving after it
    // must stop the sandbox cleanly, not kill the process.
    let mut signals = match StopSignals::install() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("cannot listen for Ctrl-C and SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", banner::banner(&config, &sandbox, &running));
    if !addr.ip().is_loopback() {
        eprintln!(
            "WARNING: listening beyond loopback: the sandbox's credentials and test users are public defaults"
        );
    }
    println!("Ctrl-C or SIGTERM stops it.");
    let signal = signals.next().await;
    println!("stopping on {signal}… (again to stop at once)");
    // Graceful shutdown waits for open requests; a stuck client must not keep the process
    // alive: a second signal or the deadline ends it. Then the sandbox is dropped: its
    // database is closed (SQLite checkpoints the write-ahead log into the file).
    tokio::select! {
        _ = running.shutdown() => println!("stopped"),
        signal = signals.next() => println!("stopped at once ({signal})"),
        _ = tokio::time::sleep(SHUTDOWN_DEADLINE) => {
            println!("stopped: requests still open after {} s were dropped", SHUTDOWN_DEADLINE.as_secs());
        }
    }
    drop(sandbox);
    ExitCode::SUCCESS
}

/// How long a graceful shutdown may wait for open requests.
const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);
