//! Instruction counts for `cargo xtask bench` (valgrind's callgrind): the same comparisons
//! as the timed sections, counted in instructions, which do not move with the machine's
//! load the way times do on a shared 2-core machine.
//!
//! - Decoding: `benches/examples/profile_decode.rs` decodes an input N times; callgrind
//!   counts only inside the decoder's function (`--toggle-collect`), so building the input
//!   is not counted. Generated decoder against the hand-written quick-xml loop.
//! - Client call: `benches/examples/profile_client.rs` makes N calls of one variant (papi
//!   client, or raw reqwest GET + the same decode) against the local fixed-bytes server;
//!   only the client thread's calls are counted (`profile_client::measured_*`).
//! - Sandbox: the `load_target` example runs under callgrind; for each target the counters
//!   are zeroed, `wrk -t1 -c1` runs, and the counters are dumped (`callgrind_control`):
//!   user-space instructions of the server per request (the kernel's loopback TCP work is
//!   not counted).
//!
//! Quick mode (CI smoke) counts the documented sample and a few client calls only; without
//! valgrind it says it skipped. The full mode needs valgrind (`apt-get install -y valgrind`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

// Targets of issue 5: the timed sections' own.
use super::shared::{build, met, run, CLIENT_TARGET, DECODE_TARGET, SANDBOX_TARGET};
use super::wrk::{parse_wrk, Server, Target};

/// How valgrind is installed (Debian package).
const INSTALL: &str = "apt-get install -y valgrind";

/// One decode measurement: the input, how many decodes, each decoder's function.
struct DecodeCase {
    input: &'static str,
    label: &'static str,
    times: u32,
    generated: &'static str,
    handwritten: &'static str,
}

const DECODE: [DecodeCase; 3] = [
    DecodeCase {
        input: "sample",
        label: "findcontactlist, documented sample (869 B)",
        times: 200,
        generated: "papi_contacts::decode::find_contact_list",
        handwritten: "papi_bench::handwritten::find_contact_list",
    },
    DecodeCase {
        input: "list",
        label: "findcontactlist, 100k contacts (11.6 MB)",
        times: 1,
        generated: "papi_contacts::decode::find_contact_list",
        handwritten: "papi_bench::handwritten::find_contact_list",
    },
    DecodeCase {
        input: "picture",
        label: "getpicture, 5 MB image (7.0 MB)",
        times: 1,
        generated: "papi_contacts::decode::get_picture",
        handwritten: "papi_bench::handwritten::get_picture",
    },
];

/// Runs the counts and returns their section of the report (markdown).
pub fn section(root: &Path, target_dir: &Path, out: &Path, quick: bool) -> Result<String, String> {
    let title = "\n## 5. Instruction counts (callgrind)\n\n";
    if Command::new("valgrind").arg("--version").output().is_err() {
        if quick {
            let message = format!(
                "SKIPPED: the instruction counts need valgrind, which is not installed ({INSTALL})"
            );
            println!("== {message}");
            return Ok(format!("{title}**{message}.**\n"));
        }
        return Err(format!(
            "the instruction counts need valgrind, which is not installed: {INSTALL}"
        ));
    }
    build(
        root,
        &[
            ("papi-bench", "profile_decode"),
            ("papi-bench", "profile_client"),
            ("papi-sandbox", "load_target"),
        ],
    )?;
    let examples = target_dir.join("release/examples");
    let dir = out.join("callgrind");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    // Decoding: instructions per decode, generated and hand-written.
    let mut decode_rows = Vec::new();
    for case in DECODE.iter().filter(|c| !quick || c.input == "sample") {
        let times = if quick { 5 } else { case.times };
        let mut per = [0.0; 2];
        for (slot, (decoder, function)) in [
            ("generated", case.generated),
            ("handwritten", case.handwritten),
        ]
        .into_iter()
        .enumerate()
        {
            let total = callgrind(
                &examples.join("profile_decode"),
                &[decoder, case.input, &times.to_string()],
                function,
                &dir.join(format!("decode.{decoder}.{}.out", case.input)),
            )?;
            per[slot] = total as f64 / f64::from(times);
        }
        decode_rows.push((case.label, per[0], per[1]));
    }

    // Client call: instructions per call, papi and raw.
    let calls: u32 = if quick { 50 } else { 2000 };
    let mut client = [0.0; 2];
    for (slot, variant) in ["papi", "raw"].into_iter().enumerate() {
        let total = callgrind(
            &examples.join("profile_client"),
            &[variant, &calls.to_string()],
            "profile_client::measured_*",
            &dir.join(format!("client.{variant}.out")),
        )?;
        client[slot] = total as f64 / f64::from(calls);
    }

    // Sandbox: server instructions per request, per target.
    let seconds = if quick { 1 } else { 5 };
    let per_request = sandbox_counts(&examples.join("load_target"), &dir, seconds)?;

    let mut s = String::from(title);
    s.push_str(
        "Instructions are counted by valgrind's callgrind (user space only). Unlike the times \
         above they do not depend on what else the machine runs, so they are the steadier \
         figure; a throughput ratio is then taken as the inverse ratio of instructions, which \
         assumes the same cost per instruction (cache behaviour aside). Outputs are kept in \
         `target/papi-bench/callgrind/` for `callgrind_annotate`.\n\n",
    );
    s.push_str(
        "| decode (`profile_decode`, counted inside the decoder) | generated | hand-written | throughput vs hand-written | target ≥ 0.8× |\n|---|---:|---:|---:|---|\n",
    );
    for (label, generated, handwritten) in &decode_rows {
        let ratio = handwritten / generated;
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {ratio:.2}× | {} |",
            count(*generated),
            count(*handwritten),
            met(ratio >= DECODE_TARGET)
        );
    }
    let ratio = client[0] / client[1];
    let _ = write!(
        s,
        "\n| client call (`profile_client`, {calls} calls, client thread) | papi | raw reqwest + decode | papi / raw | target ≤ 1.10× |\n|---|---:|---:|---:|---|\n| findcontactlist, shared pool | {} | {} | {ratio:.3}× | {} |\n",
        count(client[0]),
        count(client[1]),
        met(ratio <= CLIENT_TARGET)
    );
    s.push_str(&sandbox_table(&per_request, seconds)?);
    Ok(s)
}

/// The sandbox part of the section alone (`cargo xtask bench --sandbox`): the load target
/// built and counted, printed with the wrk section.
pub fn sandbox_section(root: &Path, target_dir: &Path, out: &Path) -> Result<String, String> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        return Err(format!(
            "the instruction counts need valgrind, which is not installed: {INSTALL}"
        ));
    }
    build(root, &[("papi-sandbox", "load_target")])?;
    let dir = out.join("callgrind");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let seconds = 5;
    let per_request = sandbox_counts(
        &target_dir.join("release/examples/load_target"),
        &dir,
        seconds,
    )?;
    sandbox_table(&per_request, seconds)
}

/// The table of server instructions per request, sandbox against bare handler.
fn sandbox_table(
    per_request: &std::collections::HashMap<String, (f64, u64)>,
    seconds: u32,
) -> Result<String, String> {
    let mut s = String::new();
    let _ = write!(
        s,
        "\n| sandbox server (`load_target`, `wrk -t1 -c1 -d{seconds}s` per target) | sandbox | bare axum handler | bare / sandbox | requests counted (sandbox / bare) |\n|---|---:|---:|---:|---:|\n"
    );
    for (label, sandbox, bare) in [
        (
            "read (findcontactlist)",
            Target::SandboxRead,
            Target::BareRead,
        ),
        (
            "write (addcontact)",
            Target::SandboxWrite,
            Target::BareWrite,
        ),
    ] {
        let of = |t: Target| {
            per_request
                .get(t.key())
                .copied()
                .ok_or_else(|| format!("no count for {}", t.label()))
        };
        let (s_instr, s_req) = of(sandbox)?;
        let (b_instr, b_req) = of(bare)?;
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {:.2}× | {s_req} / {b_req} |",
            count(s_instr),
            count(b_instr),
            b_instr / s_instr
        );
    }
    let _ = writeln!(
        s,
        "\nThe sandbox's requests/s under wrk also pay the kernel's loopback TCP work, the same \
         per request for both servers, and wrk's own CPU on the same two cores, so its \
         throughput ratio is closer to 1 than the instruction ratio (target ≥ {SANDBOX_TARGET}× \
         in requests/s: section 4)."
    );
    Ok(s)
}

/// `12.3 k` / `1,022 M` style: three significant figures are plenty.
fn count(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.2} G", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// Runs `binary args` under callgrind counting only inside `function`; the instructions
/// collected.
fn callgrind(binary: &Path, args: &[&str], function: &str, out: &Path) -> Result<u64, String> {
    let shown = format!(
        "valgrind --tool=callgrind --toggle-collect='{function}' {} {}",
        binary.display(),
        args.join(" ")
    );
    println!("== {shown}");
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(format!("--toggle-collect={function}"))
        .arg(binary)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "`{shown}` failed ({}):\n{}{stderr}",
            output.status,
            String::from_utf8_lossy(&output.stdout)
        ));
    }
    let collected = collected(&stderr)
        .ok_or_else(|| format!("`{shown}`: no `Collected` line in valgrind's output:\n{stderr}"))?;
    if collected == 0 {
        return Err(format!(
            "`{shown}` counted nothing: is `{function}` still a function of the binary (not inlined)?"
        ));
    }
    Ok(collected)
}

/// The `==PID== Collected : N` line of callgrind's summary.
fn collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, rest) = line.split_once("Collected :")?;
        rest.trim().parse().ok()
    })
}

/// The `totals:` (or `summary:`) line of a callgrind dump: the instructions it holds.
fn dump_total(text: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line
            .strip_prefix("totals:")
            .or_else(|| line.strip_prefix("summary:"))?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Server instructions per request for each target: (instructions, requests) by key.
fn sandbox_counts(
    binary: &Path,
    dir: &Path,
    seconds: u32,
) -> Result<std::collections::HashMap<String, (f64, u64)>, String> {
    let base = dir.join("sandbox.out");
    // Dumps of an earlier run would share the new run's names (`<base>.1`, …).
    for old in dumps(&base) {
        std::fs::remove_file(&old).map_err(|e| format!("{}: {e}", old.display()))?;
    }
    let mut command = Command::new("valgrind");
    command
        .arg("--tool=callgrind")
        .arg("--instr-atstart=no")
        .arg(format!("--callgrind-out-file={}", base.display()))
        .arg(binary);
    let shown = format!(
        "valgrind --tool=callgrind --instr-atstart=no {}",
        binary.display()
    );
    println!("== {shown}");
    let mut server = Server::start_command(command, &shown)?;
    let result = sandbox_runs(&server, &base, seconds);
    server.stop();
    result
}

fn sandbox_runs(
    server: &Server,
    base: &Path,
    seconds: u32,
) -> Result<std::collections::HashMap<String, (f64, u64)>, String> {
    let pid = server.pid().to_string();
    let auth = server.value("AUTH")?.to_owned();
    let control = |args: &[&str]| run(Command::new("callgrind_control").args(args).arg(&pid));
    control(&["--instr=on"])?;
    let mut counts = std::collections::HashMap::new();
    for t in Target::ALL {
        let url = server.value(t.key())?.to_owned();
        let before = dumps(base);
        control(&["--zero"])?;
        println!(
            "== wrk -t1 -c1 -d{seconds}s on {} (under callgrind)",
            t.label()
        );
        let out = Command::new("wrk")
            .args(["-t1", "-c1", &format!("-d{seconds}s"), "--latency", "-H"])
            .arg(format!("Authorization: {auth}"))
            .arg(&url)
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let wrk = parse_wrk(&text).map_err(|e| format!("{e} in wrk's output:\n{text}"))?;
        if wrk.non_2xx > 0 || wrk.requests == 0 {
            return Err(format!(
                "wrk on {} under callgrind: {} requests, {} not 2xx",
                t.label(),
                wrk.requests,
                wrk.non_2xx
            ));
        }
        control(&["--dump"])?;
        let new = newest_dump(base, &before)?;
        let text = std::fs::read_to_string(&new).map_err(|e| format!("{}: {e}", new.display()))?;
        let total =
            dump_total(&text).ok_or_else(|| format!("{}: no totals line", new.display()))?;
        counts.insert(
            t.key().to_owned(),
            (total as f64 / wrk.requests as f64, wrk.requests),
        );
    }
    Ok(counts)
}

/// The dump files of `base` (`<base>.<n>` for each `--dump`), present now.
fn dumps(base: &Path) -> Vec<PathBuf> {
    let Some(dir) = base.parent() else {
        return Vec::new();
    };
    let prefix = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{prefix}.")))
        })
        .collect()
}

/// The dump written since `before` was listed (callgrind_control returns once it is written).
fn newest_dump(base: &Path, before: &[PathBuf]) -> Result<PathBuf, String> {
    for _ in 0..50 {
        if let Some(p) = dumps(base).into_iter().find(|p| !before.contains(p)) {
            return Ok(p);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(format!(
        "callgrind wrote no new dump next to {}",
        base.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_valgrinds_summary_and_dumps() {
        let stderr = "==123== Events    : Ir\n==123== Collected : 45412\n==123==\n==123== I   refs:      45,412\n";
        assert_eq!(collected(stderr), Some(45412));
        assert_eq!(collected("==1== nothing"), None);
        let dump =
            "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 77123\ntotals: 77123\n";
        assert_eq!(dump_total(dump), Some(77123));
        assert_eq!(dump_total("events: Ir\n"), None);
    }

    #[test]
    fn counts_read_as_figures() {
        assert_eq!(count(45_412.0), "45.4 k");
        assert_eq!(count(1_022_000_000.0), "1.02 G");
        assert_eq!(count(223_700_000.0), "223.7 M");
        assert_eq!(count(512.0), "512");
    }
}
