//! What a program that depends on a client pays to build it (issue 17, item 3), for
//! `cargo xtask bench`: the clean debug build of a minimal downstream binary — one call of
//! `papi-contacts` on tokio — against the same binary on bare reqwest + tokio, side by side
//! in one run:
//!
//! | variant | dependencies |
//! |---|---|
//! | papi, ring | `papi-contacts` (default features: `rustls-ring`) |
//! | papi, aws-lc | `papi-contacts`, `default-features = false, features = ["rustls-aws-lc"]` |
//! | reqwest, ring | reqwest `rustls-no-provider` + rustls `ring` (the provider installed by `main`) |
//! | reqwest, aws-lc | reqwest `rustls` |
//! | reqwest, its defaults | reqwest with its default features (rustls on aws-lc, http2, charset, system proxy) |
//!
//! Each variant is a crate of its own under `<target>/papi-bench/downstream/<variant>/`
//! (its own `[workspace]`), locked to the workspace's `Cargo.lock` (copied: the shared
//! dependencies are the very same versions), built with `CARGO_INCREMENTAL=0` (as
//! dependencies from a registry are) in an empty target directory of its own. Downloads
//! happen before timing (`cargo fetch`). Rounds interleave the variants, rotating which
//! goes first. Times are wall-clock and CPU (user + system of cargo and the compilers) on a
//! shared machine: ratios use each variant's minimum.
//!
//! Quick mode (CI) writes the crates, fetches and counts what each would compile
//! (`cargo tree`), and builds nothing.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::shared::{met, rebuild_one, run};

/// Target of issue 17: papi at most this multiple of bare reqwest with the same backend.
const SAME_BACKEND_TARGET: f64 = 1.15;
/// Target of issue 17: papi's default at most this share of reqwest with its defaults.
const REQWEST_DEFAULT_TARGET: f64 = 0.75;

/// One downstream binary.
struct Variant {
    slug: &'static str,
    shown: &'static str,
    /// `[dependencies]` lines; `{root}` is the workspace root.
    deps: &'static str,
    /// The first statement of `main`.
    prelude: &'static str,
    papi: bool,
}

const TOKIO: &str = "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n";

const VARIANTS: [Variant; 5] = [
    Variant {
        slug: "papi-ring",
        shown: "papi, ring (default features)",
        deps: "papi-contacts = { path = \"{root}/crates/papi-contacts\" }\n",
        prelude: "",
        papi: true,
    },
    Variant {
        slug: "papi-aws-lc",
        shown: "papi, aws-lc (`rustls-aws-lc`)",
        deps: "papi-contacts = { path = \"{root}/crates/papi-contacts\", default-features = false, features = [\"rustls-aws-lc\"] }\n",
        prelude: "",
        papi: true,
    },
    Variant {
        slug: "reqwest-ring",
        shown: "bare reqwest, ring (`rustls-no-provider` + rustls `ring`)",
        deps: "reqwest = { version = \"0.13\", default-features = false, features = [\"rustls-no-provider\"] }\n\
               rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }\n",
        prelude: "let _ = rustls::crypto::ring::default_provider().install_default();",
        papi: false,
    },
    Variant {
        slug: "reqwest-aws-lc",
        shown: "bare reqwest, aws-lc (`rustls`)",
        deps: "reqwest = { version = \"0.13\", default-features = false, features = [\"rustls\"] }\n",
        prelude: "",
        papi: false,
    },
    Variant {
        slug: "reqwest-default",
        shown: "bare reqwest, its default features (aws-lc, http2, charset, system proxy)",
        deps: "reqwest = \"0.13\"\n",
        prelude: "",
        papi: false,
    },
];

const PAPI_MAIN: &str = r#"use papi_contacts::{Client, Config, ServiceCredentials, UserToken};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "https://127.0.0.1:9".into());
    let config = Config::custom(&url, ServiceCredentials::new("id", "password"))?;
    let contacts = Client::new(&config)?;
    match contacts.find_contact_list(&UserToken::new("token"), "Orange").await {
        Ok(page) => println!("{page:?}"),
        Err(e) => println!("{e}"),
    }
    Ok(())
}
"#;

const REQWEST_MAIN: &str = r#"#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    {prelude}
    let url = std::env::args().nth(1).unwrap_or_else(|| "https://127.0.0.1:9".into());
    match reqwest::Client::new().get(&url).send().await {
        Ok(answer) => println!("{}", answer.text().await?),
        Err(e) => println!("{e}"),
    }
    Ok(())
}
"#;

/// One clean build: wall-clock and CPU time.
#[derive(Clone, Copy)]
struct Build {
    wall: Duration,
    cpu: Duration,
}

/// What was measured for one variant.
struct Measured {
    crates: BTreeSet<String>,
    builds: Vec<Build>,
}

/// Measures and returns the report section (markdown).
pub fn section(root: &Path, out: &Path, quick: bool) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let base = out.join("downstream");
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut measured = Vec::new();
    for v in &VARIANTS {
        let dir = write_crate(&base, root, v, &lock)?;
        run(Command::new(&cargo).arg("fetch").current_dir(&dir))?;
        measured.push(Measured {
            crates: crates(&cargo, &dir)?,
            builds: Vec::new(),
        });
    }
    let rounds = if quick { 0 } else { 2 };
    for round in 0..rounds {
        for k in 0..VARIANTS.len() {
            let i = (k + round) % VARIANTS.len();
            let v = &VARIANTS[i];
            println!(
                "== downstream clean build, round {}: {}",
                round + 1,
                v.shown
            );
            let dir = base.join(v.slug);
            measured[i].builds.push(clean_build(&cargo, &dir)?);
            // Disk is short: keep only the default papi build (measured again below).
            if i != 0 {
                remove_target(&dir)?;
            }
        }
    }
    // papi's own crates, each compiled again alone (in the last papi build's target).
    let own = if quick {
        None
    } else {
        let dir = base.join(VARIANTS[0].slug);
        let target = dir.join("target");
        let env = [("CARGO_INCREMENTAL", "0")];
        let contacts = rebuild_one(&cargo, &dir, &target, "papi-contacts", "dev", &env)?;
        let core = rebuild_one(&cargo, &dir, &target, "papi-core", "dev", &env)?;
        Some((contacts, core))
    };
    remove_target(&base.join(VARIANTS[0].slug))?;
    Ok(render(&measured, own, rounds))
}

/// Writes the variant's crate: manifest, `main.rs`, the workspace's lock file.
fn write_crate(base: &Path, root: &Path, v: &Variant, lock: &str) -> Result<PathBuf, String> {
    let dir = base.join(v.slug);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let deps = v.deps.replace("{root}", &root.display().to_string());
    let manifest = format!(
        "[package]\nname = \"downstream-{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         # Not a member of the papi workspace it sits in.\n[workspace]\n\n[dependencies]\n{deps}{TOKIO}",
        v.slug
    );
    let main = if v.papi {
        PAPI_MAIN.to_owned()
    } else {
        REQWEST_MAIN.replace("{prelude}", v.prelude)
    };
    for (name, text) in [
        ("Cargo.toml", manifest.as_str()),
        ("src/main.rs", &main),
        ("Cargo.lock", lock),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(dir)
}

/// The packages the variant compiles (normal and build dependencies, this host), by
/// `name version`.
fn crates(cargo: &str, dir: &Path) -> Result<BTreeSet<String>, String> {
    let out = Command::new(cargo)
        .args([
            "tree",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some(format!("{} {}", words.next()?, words.next()?))
        })
        .collect())
}

/// `cargo build` (debug) in an empty target directory; the CPU time is that of the waited
/// children (cargo and every compiler and build script under it).
fn clean_build(cargo: &str, dir: &Path) -> Result<Build, String> {
    let target = remove_target(dir)?;
    let cpu_before = children_cpu()?;
    let t = Instant::now();
    run(Command::new(cargo)
        .arg("build")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS"))?;
    let wall = t.elapsed();
    let cpu = children_cpu()?.saturating_sub(cpu_before);
    Ok(Build { wall, cpu })
}

/// Removes `<dir>/target` when present; returns its path.
fn remove_target(dir: &Path) -> Result<PathBuf, String> {
    let target = dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(target)
}

/// User + system time of this process's waited-for children (`/proc/self/stat` fields
/// `cutime` and `cstime`, in clock ticks of 1/100 s).
fn children_cpu() -> Result<Duration, String> {
    let stat =
        std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc/self/stat: {e}"))?;
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name: field 3 (state) is index 0, so cutime (16) is 13 and cstime (17) is 14.
    let tick = |i: usize| -> Result<u64, String> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| "unreadable /proc/self/stat".to_owned())
    };
    Ok(Duration::from_millis((tick(13)? + tick(14)?) * 10))
}

fn min_of(builds: &[Build], f: fn(&Build) -> Duration) -> Option<Duration> {
    builds.iter().map(f).min()
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn render(m: &[Measured], own: Option<(Duration, Duration)>, rounds: usize) -> String {
    let mut r = String::from("\n### Downstream clean build: papi against bare reqwest\n\n");
    let _ = writeln!(
        r,
        "A minimal binary calling one action of `papi-contacts` on tokio, against the same \
         binary on bare reqwest + tokio; clean debug build in an empty target directory, \
         {rounds} interleaved round(s), workspace `Cargo.lock` (`xtask/src/bench/downstream.rs`). \
         Wall = wall-clock, CPU = user + system of cargo and the compilers; ratios use minimums.\n"
    );
    let _ = writeln!(
        r,
        "| variant | crates compiled | wall (min / max) | CPU (min) |\n|---|---:|---:|---:|"
    );
    for (v, x) in VARIANTS.iter().zip(m) {
        let wall = |f: fn(&[Duration]) -> Option<Duration>| {
            f(&x.builds.iter().map(|b| b.wall).collect::<Vec<_>>()).map_or("–".into(), secs)
        };
        let _ = writeln!(
            r,
            "| {} | {} | {} / {} | {} |",
            v.shown,
            x.crates.len(),
            wall(|v| v.iter().min().copied()),
            wall(|v| v.iter().max().copied()),
            min_of(&x.builds, |b| b.cpu).map_or("–".into(), secs),
        );
    }
    let ratio = |a: usize, b: usize, f: fn(&Build) -> Duration| {
        Some(min_of(&m[a].builds, f)?.as_secs_f64() / min_of(&m[b].builds, f)?.as_secs_f64())
    };
    let targets = [
        (
            "papi, ring / bare reqwest, ring",
            0,
            2,
            SAME_BACKEND_TARGET,
            "≤ 1.15×",
        ),
        (
            "papi, aws-lc / bare reqwest, aws-lc",
            1,
            3,
            SAME_BACKEND_TARGET,
            "≤ 1.15×",
        ),
        (
            "papi, default features / bare reqwest, its defaults",
            0,
            4,
            REQWEST_DEFAULT_TARGET,
            "≤ 0.75×",
        ),
    ];
    if rounds > 0 {
        let _ = writeln!(r, "\n| target | wall | | CPU | |\n|---|---:|---|---:|---|");
        for (name, a, b, limit, shown) in targets {
            let (Some(wall), Some(cpu)) = (ratio(a, b, |x| x.wall), ratio(a, b, |x| x.cpu)) else {
                continue;
            };
            let _ = writeln!(
                r,
                "| {name} {shown} | {wall:.2}× | {} | {cpu:.2}× | {} |",
                met(wall <= limit),
                met(cpu <= limit)
            );
        }
    } else {
        let _ = writeln!(
            r,
            "\nQuick mode: crates counted, nothing built (the builds run in full mode)."
        );
    }
    if let Some((contacts, core)) = own {
        let _ = writeln!(
            r,
            "\npapi's own crates, compiled again alone afterwards: `papi-contacts` {}, `papi-core` {}.",
            secs(contacts),
            secs(core)
        );
    }
    let extra: Vec<&str> = m[0]
        .crates
        .difference(&m[2].crates)
        .map(String::as_str)
        .filter(|c| !c.starts_with("downstream-"))
        .collect();
    let _ = writeln!(
        r,
        "\nWhat papi (ring) compiles that bare reqwest (ring) does not ({}): {}.\n",
        extra.len(),
        extra
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    r
}
