#!/usr/bin/env bash
# Sandbox throughput (issue 5, item 3): wrk on loopback against a read action
# (findcontactlist) and a write action (addcontact) of the sandbox, each next to a bare
# axum handler answering the very same bytes. Prints a markdown table.
#
#   benches/sandbox-wrk.sh [--quick]     (needs the Debian package wrk)
#
# Threads/connections/duration: 2/32/10 s (quick: 2/8/2 s). The sandbox runs in memory;
# the write target adds a contact per request (as another user than the reads). One run of
# each target: `cargo xtask bench` is the measurement of record (rounds, per-round ratios,
# server CPU per request; BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10s; conns=32
if [ "${1:-}" = "--quick" ]; then duration=2s; conns=8; fi
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

cargo build -q --release -p papi-sandbox --example load_target
fifo=$(mktemp -u); mkfifo "$fifo"
out=$(mktemp)
./target/release/examples/load_target < "$fifo" > "$out" &
pid=$!
exec 3>"$fifo"          # keeps the target's stdin open; closing it stops the target
trap 'exec 3>&-; wait $pid 2>/dev/null || true; rm -f "$fifo" "$out"' EXIT
for _ in $(seq 100); do grep -q '^READY=1' "$out" && break; sleep 0.1; done
grep -q '^READY=1' "$out" || { echo "the load target did not start" >&2; exit 1; }
val() { sed -n "s/^$1=//p" "$out"; }
AUTH=$(val AUTH)

run() { # name url
  local report
  report=$(wrk -t2 -c"$conns" -d"$duration" --latency -H "Authorization: $AUTH" "$2")
  local rps p50 p99 non2xx errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$report")
  p50=$(awk '$1=="50%" {print $2}' <<<"$report")
  p99=$(awk '$1=="99%" {print $2}' <<<"$report")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$report"); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors:/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$report"); errors=${errors:-0}
  echo "$1 $rps $p50 $p99 $non2xx $errors"
}

results=()
results+=("$(run sandbox-read "$(val SANDBOX_READ)")")
results+=("$(run bare-read "$(val BARE_READ)")")
results+=("$(run sandbox-write "$(val SANDBOX_WRITE)")")
results+=("$(run bare-write "$(val BARE_WRITE)")")

echo "| target | requests/s | p50 | p99 | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  read -r name rps p50 p99 non2xx errors <<<"$r"
  echo "| $name | $rps | $p50 | $p99 | $non2xx | $errors |"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
read -r _ sr _ _ _ _ <<<"${results[0]}"; read -r _ br _ _ _ _ <<<"${results[1]}"
read -r _ sw _ _ _ _ <<<"${results[2]}"; read -r _ bw _ _ _ _ <<<"${results[3]}"
echo
echo "read: sandbox / bare = $(ratio "$sr" "$br")× (target ≥ 0.70)"
echo "write: sandbox / bare = $(ratio "$sw" "$bw")× (target ≥ 0.70)"
echo "(wrk -t2 -c$conns -d$duration --latency, loopback, $(nproc) cores, $(rustc --version))"
