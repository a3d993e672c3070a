//! Sandbox throughput for `cargo xtask bench` (issue 5, item 3): `wrk` on loopback against
//! a read action (findcontactlist) and a write action (addcontact) of the sandbox, each
//! next to a bare axum handler answering the very same bytes
//! (`crates/papi-sandbox/examples/load_target.rs`).
//!
//! The machine may be shared, so every round runs the four targets one right after the
//! other (the bare handler and the sandbox alternate which goes first), the ratio
//! sandbox / bare is taken within each round, and the table gives min / median / max over
//! the rounds. The CPU time the server process spends per request (from `/proc`, around
//! each run) is reported too: it moves much less than requests/s when other work runs.
//!
//! Quick mode (CI smoke) runs each target once, briefly; nothing in it is a timed
//! pass/fail. Answers other than 2xx fail both modes: the harness is then broken.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

use super::shared::{build, median, met, SANDBOX_TARGET as TARGET};

/// How `wrk` is installed (Debian package).
pub(crate) const INSTALL: &str = "apt-get install -y wrk";

/// How the measurement runs.
struct Plan {
    rounds: usize,
    seconds: u32,
    connections: u32,
    threads: u32,
    /// Untimed run of each target before the rounds.
    warm_up: bool,
}

const FULL: Plan = Plan {
    rounds: 5,
    seconds: 5,
    connections: 32,
    threads: 2,
    warm_up: true,
};

const QUICK: Plan = Plan {
    rounds: 1,
    seconds: 1,
    connections: 8,
    threads: 2,
    warm_up: false,
};

/// The four targets, by the load target's `KEY=VALUE` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    SandboxRead,
    BareRead,
    SandboxWrite,
    BareWrite,
}

impl Target {
    pub(crate) const ALL: [Target; 4] = [
        Target::SandboxRead,
        Target::BareRead,
        Target::SandboxWrite,
        Target::BareWrite,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Target::SandboxRead => "SANDBOX_READ",
            Target::BareRead => "BARE_READ",
            Target::SandboxWrite => "SANDBOX_WRITE",
            Target::BareWrite => "BARE_WRITE",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Target::SandboxRead => "sandbox read (findcontactlist)",
            Target::BareRead => "bare axum read (same bytes)",
            Target::SandboxWrite => "sandbox write (addcontact)",
            Target::BareWrite => "bare axum write (same bytes)",
        }
    }
}

/// What `wrk` reported for one run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WrkRun {
    pub(crate) requests: u64,
    pub(crate) requests_per_s: f64,
    p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) non_2xx: u64,
    pub(crate) socket_errors: u64,
}

/// One run, with the server's CPU time over it.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) wrk: WrkRun,
    /// CPU seconds (user + system) of the load target during the run, if readable.
    cpu_s: Option<f64>,
}

impl Run {
    /// Server CPU µs per request.
    pub(crate) fn cpu_us_per_request(&self) -> Option<f64> {
        let cpu = self.cpu_s?;
        (self.wrk.requests > 0).then(|| cpu * 1e6 / self.wrk.requests as f64)
    }
}

/// Runs the measurement and returns its section of the report (markdown). Without `wrk`:
/// in quick mode a visible skip (the section says so), in full mode an error naming the
/// install command.
pub fn run(root: &Path, target_dir: &Path, quick: bool) -> Result<String, String> {
    let plan = if quick { &QUICK } else { &FULL };
    if Command::new("wrk").arg("--version").output().is_err() {
        if quick {
            let message = format!(
                "SKIPPED: the sandbox throughput smoke needs wrk, which is not installed ({INSTALL})"
            );
            println!("== {message}");
            return Ok(format!(
                "\n## 4. Sandbox throughput (wrk)\n\n**{message}.**\n"
            ));
        }
        return Err(format!(
            "the sandbox throughput measurement needs wrk, which is not installed: {INSTALL}"
        ));
    }

    build(root, &[("papi-sandbox", "load_target")])?;
    let binary = target_dir.join("release/examples/load_target");
    let load_before = load_average();
    let mut server = Server::start(&binary)?;
    let result = measure(&server, plan);
    server.stop();
    let runs = result?;
    let load_after = load_average();

    let non_2xx: u64 = runs.iter().map(|(_, _, r)| r.wrk.non_2xx).sum();
    let section = report(plan, quick, &runs, load_before, load_after);
    if quick {
        print!("{section}");
    }
    if non_2xx > 0 {
        return Err(format!(
            "wrk saw {non_2xx} answers other than 2xx: the load target or the sandbox is broken\n{section}"
        ));
    }
    Ok(section)
}

/// The running load target.
pub(crate) struct Server {
    child: Child,
    /// Closing it stops the target.
    stdin: Option<ChildStdin>,
    values: HashMap<String, String>,
}

impl Server {
    pub(crate) fn start(binary: &Path) -> Result<Self, String> {
        Self::start_command(Command::new(binary), &binary.display().to_string())
    }

    /// Starts the load target with `command` (the binary, or a profiler running it), named
    /// `what` in errors.
    pub(crate) fn start_command(mut command: Command, what: &str) -> Result<Self, String> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {what}: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let mut server = Server {
            child,
            stdin,
            values: HashMap::new(),
        };
        let Some(stdout) = stdout else {
            server.stop();
            return Err("the load target has no standard output".into());
        };
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line == "READY=1" {
                return Ok(server);
            }
            if let Some((k, v)) = line.split_once('=') {
                server.values.insert(k.to_owned(), v.to_owned());
            }
        }
        server.stop();
        Err(format!(
            "the load target {what} stopped before it was ready"
        ))
    }

    pub(crate) fn value(&self, key: &str) -> Result<&str, String> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("the load target did not print {key}"))
    }

    /// The process id of what was started.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU seconds (user + system) the target has used so far.
    fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        cpu_seconds_of_stat(&stat, clock_ticks()?)
    }

    pub(crate) fn stop(&mut self) {
        // Closing its standard input stops it; kill it if that was not enough.
        drop(self.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            self.stop();
        }
    }
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in seconds.
fn cpu_seconds_of_stat(stat: &str, ticks_per_s: f64) -> Option<f64> {
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of the line; `after` starts at field 3.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks_per_s)
}

fn clock_ticks() -> Option<f64> {
    let out = Command::new("getconf").arg("CLK_TCK").output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The 1-minute load average.
pub(crate) fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Every run: (round, target, run).
/// One `wrk` run's settings.
pub(crate) struct Load {
    pub(crate) threads: u32,
    pub(crate) connections: u32,
    pub(crate) seconds: u32,
}

impl Load {
    /// `wrk` on `url` (with the `Authorization` value `auth`) of the load target `server`,
    /// named `label` in errors; with the server's CPU time over the run.
    pub(crate) fn run(
        &self,
        server: &Server,
        url: &str,
        auth: &str,
        label: &str,
    ) -> Result<Run, String> {
        let before = server.cpu_seconds();
        let out = Command::new("wrk")
            .arg(format!("-t{}", self.threads))
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{}s", self.seconds))
            .arg("--latency")
            .arg("-H")
            .arg(format!("Authorization: {auth}"))
            .arg(url)
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        let after = server.cpu_seconds();
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "wrk failed on {label} ({}): {}{}",
                out.status,
                text,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let wrk = parse_wrk(&text).map_err(|e| format!("{e} in wrk's output:\n{text}"))?;
        Ok(Run {
            wrk,
            cpu_s: before.zip(after).map(|(b, a)| a - b),
        })
    }
}

fn measure(server: &Server, plan: &Plan) -> Result<Vec<(usize, Target, Run)>, String> {
    let auth = server.value("AUTH")?;
    let mut urls = HashMap::new();
    for t in Target::ALL {
        urls.insert(t.key(), server.value(t.key())?.to_owned());
    }
    let wrk = |t: Target, seconds: u32| {
        let load = Load {
            threads: plan.threads,
            connections: plan.connections,
            seconds,
        };
        load.run(server, &urls[t.key()], auth, t.label())
    };
    if plan.warm_up {
        println!("== wrk warm-up (1 s per target)");
        for t in Target::ALL {
            wrk(t, 1)?;
        }
    }
    let mut runs = Vec::new();
    for round in 0..plan.rounds {
        // Bare first in even rounds, sandbox first in odd ones.
        let order = if round % 2 == 0 {
            [
                Target::BareRead,
                Target::SandboxRead,
                Target::BareWrite,
                Target::SandboxWrite,
            ]
        } else {
            [
                Target::SandboxRead,
                Target::BareRead,
                Target::SandboxWrite,
                Target::BareWrite,
            ]
        };
        for t in order {
            println!(
                "== round {}/{}: wrk -t{} -c{} -d{}s --latency on {}",
                round + 1,
                plan.rounds,
                plan.threads,
                plan.connections,
                plan.seconds,
                t.label()
            );
            let run = wrk(t, plan.seconds)?;
            runs.push((round, t, run));
        }
    }
    Ok(runs)
}

/// A latency as wrk prints it (`661.00us`, `13.73ms`, `1.02s`, `2.00m`), in µs.
fn latency_us(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        "h" => 3600e6,
        _ => return None,
    };
    Some(value * scale)
}

/// Reads wrk's report (run with `--latency`).
pub(crate) fn parse_wrk(text: &str) -> Result<WrkRun, String> {
    let mut requests = None;
    let mut requests_per_s = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => p50 = latency_us(v),
            ["99%", v] => p99 = latency_us(v),
            ["Requests/sec:", v] => requests_per_s = v.parse::<f64>().ok(),
            [n, "requests", "in", ..] => requests = n.parse::<u64>().ok(),
            ["Non-2xx", "or", "3xx", "responses:", n] => {
                non_2xx = n.parse().map_err(|_| format!("unreadable `{line}`"))?;
            }
            ["Socket", "errors:", rest @ ..] => {
                // `connect 0, read 0, write 0, timeout 0`
                for pair in rest.chunks(2) {
                    if let [_, n] = pair {
                        socket_errors += n
                            .trim_end_matches(',')
                            .parse::<u64>()
                            .map_err(|_| format!("unreadable `{line}`"))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(WrkRun {
        requests: requests.ok_or("no request count")?,
        requests_per_s: requests_per_s.ok_or("no Requests/sec")?,
        p50_us: p50.ok_or("no 50% latency")?,
        p99_us: p99.ok_or("no 99% latency")?,
        non_2xx,
        socket_errors,
    })
}

pub(crate) fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    v
}

/// `min / median / max` of sorted values, each formatted by `f`.
pub(crate) fn spread(v: &[f64], f: impl Fn(f64) -> String) -> String {
    match (v.first(), v.last()) {
        (Some(&lo), Some(&hi)) => format!("{} / {} / {}", f(lo), f(median(v)), f(hi)),
        _ => "–".into(),
    }
}

pub(crate) fn latency(us: f64) -> String {
    if us >= 1e3 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.0} µs")
    }
}

fn report(
    plan: &Plan,
    quick: bool,
    runs: &[(usize, Target, Run)],
    load_before: Option<f64>,
    load_after: Option<f64>,
) -> String {
    let mut r = String::new();
    let of = |t: Target| runs.iter().filter(move |(_, x, _)| *x == t);
    let _ = writeln!(
        r,
        "\n## 4. Sandbox throughput (wrk)\n\n`wrk -t{} -c{} -d{}s --latency` on loopback, {} round{}; each round runs the \
         four targets one after the other (bare handler and sandbox alternate going first). \
         Sandbox: in memory, consent granted, reads as one test user, writes (one new contact \
         per request) as the other; bare: an axum handler answering the same bytes, in the same \
         process (`crates/papi-sandbox/examples/load_target.rs`). Server CPU = user + system time \
         of that process over the run / requests.\n",
        plan.threads,
        plan.connections,
        plan.seconds,
        plan.rounds,
        if plan.rounds == 1 { "" } else { "s" }
    );
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let shown = |l: Option<f64>| l.map_or("unknown".into(), |l| format!("{l:.2}"));
    let loaded = load_before
        .into_iter()
        .chain(load_after)
        .any(|l| l > 0.5 * cpus as f64);
    let _ = writeln!(
        r,
        "- 1-minute load average before / after: {} / {} on {cpus} CPUs{}\n",
        shown(load_before),
        shown(load_after),
        if loaded {
            " — **the machine was busy with other work**: requests/s are noisy; the per-round \
             ratios and the server CPU per request are the steadier figures"
        } else {
            ""
        }
    );
    let _ = writeln!(
        r,
        "| target | requests/s (min / median / max) | p50 (median) | p99 (median / max) | non-2xx | socket errors | server CPU per request (median) |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for t in Target::ALL {
        let rps = sorted(of(t).map(|(_, _, x)| x.wrk.requests_per_s).collect());
        let p50 = sorted(of(t).map(|(_, _, x)| x.wrk.p50_us).collect());
        let p99 = sorted(of(t).map(|(_, _, x)| x.wrk.p99_us).collect());
        let cpu = sorted(
            of(t)
                .filter_map(|(_, _, x)| x.cpu_us_per_request())
                .collect(),
        );
        let non_2xx: u64 = of(t).map(|(_, _, x)| x.wrk.non_2xx).sum();
        let errors: u64 = of(t).map(|(_, _, x)| x.wrk.socket_errors).sum();
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} / {} | {non_2xx} | {errors} | {} |",
            t.label(),
            spread(&rps, |v| format!("{v:.0}")),
            latency(median(&p50)),
            latency(median(&p99)),
            latency(p99.last().copied().unwrap_or(f64::NAN)),
            if cpu.is_empty() {
                "–".into()
            } else {
                format!("{:.1} µs", median(&cpu))
            }
        );
    }
    let _ = writeln!(
        r,
        "\n| sandbox / bare, per round | requests/s ratio (min / median / max) | server CPU per request ratio (median) | target |\n|---|---:|---:|---|"
    );
    for (name, sandbox, bare) in [
        ("read", Target::SandboxRead, Target::BareRead),
        ("write", Target::SandboxWrite, Target::BareWrite),
    ] {
        let rounds: Vec<usize> = of(sandbox).map(|(round, _, _)| *round).collect();
        let pair = |round: usize, t: Target| of(t).find(|(x, _, _)| *x == round).map(|x| &x.2);
        let ratios = sorted(
            rounds
                .iter()
                .filter_map(|&i| {
                    Some(pair(i, sandbox)?.wrk.requests_per_s / pair(i, bare)?.wrk.requests_per_s)
                })
                .collect(),
        );
        let cpu = sorted(
            rounds
                .iter()
                .filter_map(|&i| {
                    Some(
                        pair(i, sandbox)?.cpu_us_per_request()?
                            / pair(i, bare)?.cpu_us_per_request()?,
                    )
                })
                .collect(),
        );
        let ratio = median(&ratios);
        let errors: u64 = of(sandbox)
            .map(|(_, _, x)| x.wrk.non_2xx + x.wrk.socket_errors)
            .sum();
        let verdict = if quick {
            "(quick smoke: not judged)".to_owned()
        } else {
            format!(
                "≥ {TARGET:.2}×, zero errors: {}",
                met(ratio >= TARGET && errors == 0)
            )
        };
        let _ = writeln!(
            r,
            "| {name} | {} | {} | {verdict} |",
            spread(&ratios, |v| format!("{v:.2}×")),
            if cpu.is_empty() {
                "–".into()
            } else {
                format!("{:.2}×", median(&cpu))
            }
        );
    }
    let _ = writeln!(
        r,
        "\nLoad target: `cargo run --release -p papi-sandbox --example load_target` (prints the URLs to load and the Authorization header; stops when its stdin closes).\n"
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 2s test @ http://127.0.0.1:41000/read
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   400.00us    1.00ms  20.00ms   95.00%
    Req/Sec    20.00k     2.00k   25.00k    70.00%
  Latency Distribution
     50%  661.00us
     75%    1.00ms
     90%    2.00ms
     99%   13.73ms
  80123 requests in 2.00s, 50.00MB read
  Socket errors: connect 1, read 2, write 0, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:  40061.50
Transfer/sec:     25.00MB
";

    #[test]
    fn reads_wrks_report() {
        assert_eq!(
            parse_wrk(REPORT).unwrap(),
            WrkRun {
                requests: 80123,
                requests_per_s: 40061.5,
                p50_us: 661.0,
                p99_us: 13730.0,
                non_2xx: 5,
                socket_errors: 7,
            }
        );
        let clean: String = REPORT
            .lines()
            .filter(|l| !l.contains("errors") && !l.contains("Non-2xx"))
            .map(|l| format!("{l}\n"))
            .collect();
        let run = parse_wrk(&clean).unwrap();
        assert_eq!((run.non_2xx, run.socket_errors), (0, 0));
    }

    #[test]
    fn a_report_without_figures_is_an_error() {
        let cut: String = REPORT
            .lines()
            .filter(|l| !l.starts_with("Requests/sec"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(parse_wrk(&cut).unwrap_err(), "no Requests/sec");
        assert!(parse_wrk("").is_err());
    }

    #[test]
    fn latencies_in_every_unit() {
        assert_eq!(latency_us("661.00us"), Some(661.0));
        assert_eq!(latency_us("1.50ms"), Some(1500.0));
        assert_eq!(latency_us("2.00s"), Some(2e6));
        assert_eq!(latency_us("1.00m"), Some(60e6));
        assert_eq!(latency_us("3.00parsecs"), None);
        assert_eq!(latency_us("ms"), None);
    }

    #[test]
    fn cpu_time_from_proc_stat() {
        let stat =
            "4242 (load target) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 100 0 0";
        assert_eq!(cpu_seconds_of_stat(stat, 100.0), Some(3.0));
        assert_eq!(cpu_seconds_of_stat("garbage", 100.0), None);
    }

    #[test]
    fn ratios_are_taken_within_each_round() {
        let run = |rps: f64, requests: u64, cpu: f64| Run {
            wrk: WrkRun {
                requests,
                requests_per_s: rps,
                p50_us: 100.0,
                p99_us: 1000.0,
                non_2xx: 0,
                socket_errors: 0,
            },
            cpu_s: Some(cpu),
        };
        // Round 0 on a quiet machine, round 1 on a busy one: 0.5× in each.
        let runs = vec![
            (0, Target::BareRead, run(40000.0, 80000, 1.0)),
            (0, Target::SandboxRead, run(20000.0, 40000, 1.0)),
            (1, Target::BareRead, run(10000.0, 20000, 0.25)),
            (1, Target::SandboxRead, run(5000.0, 10000, 0.25)),
            (0, Target::BareWrite, run(40000.0, 80000, 1.0)),
            (0, Target::SandboxWrite, run(36000.0, 72000, 1.0)),
            (1, Target::BareWrite, run(10000.0, 20000, 0.25)),
            (1, Target::SandboxWrite, run(8000.0, 16000, 0.25)),
        ];
        let plan = Plan { rounds: 2, ..FULL };
        let text = report(&plan, false, &runs, Some(0.1), Some(0.1));
        assert!(
            text.contains(
                "| read | 0.50× / 0.50× / 0.50× | 2.00× | ≥ 0.80×, zero errors: **not met** |"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| write | 0.80× / 0.85× / 0.90× | 1.18× | ≥ 0.80×, zero errors: **met** |"
            ),
            "{text}"
        );
        assert!(!text.contains("busy"), "{text}");
        let quick = report(&plan, true, &runs, Some(5.0), None);
        assert!(quick.contains("not judged"), "{quick}");
        assert!(quick.contains("busy"), "{quick}");
    }
}
