#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs the xunit suite (protocol, state machine,
# real Python clients and workers against the real host), then Dask's own tests (the peer-test
# selections that this scheduler passes, as regression ratchets: Dask 2022.12.1 from the host's python, Dask
# 2024.12.1 from the Debian 13 chroot of scripts/setup-trixie.sh). Ends with "N passed, N failed".
#   PEER_TESTS=none|ratchet|all   (default ratchet: Scheduler.Tests/PeerTests/ratchet.txt and ratchet-2024.txt;
#                                  all: the whole 2022 and 2024 selections of ../shared/peer-tests*)
#   PEER_DASK=2022,2024           which Dask versions' peer tests (default both; 2024 runs in the Debian 13 chroot)
#   PEER_2024_QUICK_MAX=N         2024: leave out tests slower than N s in its baseline (time budget; CI: 3, else all)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
LOGS=${TEST_LOG_DIR:-$ROOT/artifacts/test-logs}
mkdir -p "$LOGS"

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
# setup.sh built (or reused) the Dask 2024.12.1 chroot: the xunit tests that need it fail, not skip, without it.
# Entering the chroot needs root (CI runs as root); as a normal user those xunit tests skip, saying so, and the
# 2024 peer tests run through sudo.
[ "${SETUP_TRIXIE:-1}" != 0 ] && [ "$(id -u)" = 0 ] && export TRIXIE_REQUIRED=1

echo "== build"
if ! dotnet build Scheduler.sln -c Debug --nologo > "$LOGS/build.log" 2>&1; then
  grep -E "error" "$LOGS/build.log" | sort -u | head -30
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

echo "== xunit"
dotnet test Scheduler.sln --no-build -c Debug --nologo > "$LOGS/xunit.log" 2>&1
xrc=$?
grep -E "^\s+Failed |Error Message|Failed!|Passed!" "$LOGS/xunit.log" | tail -60
# VSTest prints one "Passed!/Failed!  - Failed: N, Passed: N, Skipped: N, ..." line per test project.
read -r xp xf xs < <(awk '
  /^(Passed|Failed)! +- Failed:/ { gsub(/,/,""); f+=$4; p+=$6; s+=$8 }
  END { printf "%d %d %d\n", p, f, s }' "$LOGS/xunit.log")
if [ "$xp" = 0 ] && [ "$xf" = 0 ]; then xf=1; fi

# run_peer LABEL RUN_SH SELECTION LOG_STEM WORKDIR RESULTS RERUN_WORKDIR RERUN_RESULTS: one peer-test run over
# SELECTION (log $LOGS/LOG_STEM.log), then its failures once more (log LOG_STEM-rerun.log). Timing-heavy upstream
# tests can fail once under load (BASELINE.md): a failure counts only if the rerun fails too. Adds to pp/pf.
run_peer() {
  local label=$1 runner=$2 sel=$3 stem=$4 work=$5 results=$6 rework=$7 reresults=$8
  if [ ! -f "$sel" ]; then echo "$label: no selection $sel"; pf=$((pf + 1)); return; fi
  local n; n=$(grep -cvE '^\s*(#|$)' "$sel")
  if [ "$n" = 0 ]; then echo "$label: $sel lists no tests"; return; fi
  rm -rf "$work" "$rework"; rm -f "$results" "$reresults"
  PEER_WORKDIR="$work" PEER_RESULTS="$results" PEER_SELECTION="$sel" PEER_TIMEOUT=${PEER_TIMEOUT:-60} PEER_SKIP_INSTALL=1 \
    DASK_SCHEDULER_CMD="$SCHED_CMD" $PEER_SUDO bash "$runner" -q -p no:cacheprovider > "$LOGS/$stem.log" 2>&1
  echo "$label: $(tail -n 1 "$LOGS/$stem.log")"
  local p f
  read -r p f < <(/usr/bin/python3 - "$results" "$sel" "$LOGS/$stem-failed.txt" <<'PY'
import json, sys
res, sel, out = sys.argv[1:4]
try:
    tests = json.load(open(res))["tests"]
except Exception:
    tests = {}
ran = {k.split("distributed/tests/")[-1]: v["outcome"] for k, v in tests.items()}
ids = [l.split()[0] for l in open(sel) if l.strip() and not l.startswith("#")]
bad = [i for i in ids if ran.get(i) not in ("passed", "skipped", "xfailed")]
open(out, "w").write("## rerun\n" + "".join(i + "\n" for i in bad))
print(len(ids) - len(bad), len(bad))
PY
)
  if [ "$f" -gt 0 ]; then
    echo "$label: rerunning $f failure(s) once"
    grep -v "^##" "$LOGS/$stem-failed.txt" | head -100 | sed 's/^/  /'
    PEER_WORKDIR="$rework" PEER_RESULTS="$reresults" PEER_SELECTION="$LOGS/$stem-failed.txt" \
      PEER_TIMEOUT=${PEER_TIMEOUT:-60} PEER_SKIP_INSTALL=1 DASK_SCHEDULER_CMD="$SCHED_CMD" $PEER_SUDO bash "$runner" -q -p no:cacheprovider > "$LOGS/$stem-rerun.log" 2>&1
    grep -E "^(FAILED|ERROR)" "$LOGS/$stem-rerun.log" | head -50
    local last; last=$(tail -n 1 "$LOGS/$stem-rerun.log")
    echo "$label rerun: $last"
    local rp; rp=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); rp=${rp:-0}
    p=$((p + rp)); f=$((f - rp))
  fi
  pp=$((pp + p)); pf=$((pf + f))
}

pp=0; pf=0; PEER_SUDO=""
mode=${PEER_TESTS:-ratchet}
if [ "$mode" != none ]; then
  dotnet publish Scheduler.Host -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$ROOT/artifacts/peer-scheduler" --nologo -v quiet > "$LOGS/publish.log" 2>&1
  # Without the startup warm-up's rounds (Scheduler:WarmupRounds, StartupWarmup): they only move the runtime's tier-1
  # compiling ahead of the first workload, and cost every scheduler start about 1.5 s, some 30 minutes over the ~1,150
  # starts of the peer tests. Its first-use pass still runs; Scheduler.Tests/Hosting tests the rounds.
  SCHED_CMD="env Scheduler__WarmupRounds=0 $ROOT/artifacts/peer-scheduler/Scheduler.Host --host {host} --port {port} --dashboard-address 127.0.0.1:0"
fi
if [ "$mode" != none ] && [[ ",${PEER_DASK:-2022,2024}," == *,2022,* ]]; then
  echo "== peer tests, Dask 2022.12.1 ($mode)"
  SEL="$ROOT/Scheduler.Tests/PeerTests/ratchet.txt"
  [ "$mode" = all ] && SEL="$ROOT/../shared/peer-tests/selection.txt"
  run_peer "peer tests" "$ROOT/../shared/peer-tests/run.sh" "$SEL" peer \
    "$LOGS/peer" "$LOGS/peer/results.json" "$LOGS/peer-rerun" "$LOGS/peer-rerun/results.json"
fi
if [ "$mode" != none ] && [[ ",${PEER_DASK:-2022,2024}," == *,2024,* ]]; then
  # Dask 2024.12.1's tests, workers and clients run in the Debian 13 chroot (scripts/setup-trixie.sh); our
  # scheduler runs on the host. The work dir must lie inside the chroot: it is removed afterwards, its scheduler
  # logs are kept in $LOGS/peer2024-logs/.
  echo "== peer tests, Dask 2024.12.1 ($mode)"
  export TRIXIE_ROOT=${TRIXIE_ROOT:-/var/cache/dask-scheduler-ci/trixie}
  SEL="$ROOT/Scheduler.Tests/PeerTests/ratchet-2024.txt"
  [ "$mode" = all ] && SEL="$ROOT/../shared/peer-tests-2024/selection.txt"
  # CI's time budget (75 minutes with the 2022 part): the ratchet's tests that take at most 3 s in the Python
  # scheduler's baseline: a representative part (489 of 618 tests, 14 of 23 baseline minutes, when written).
  [ "${CI:-}" = true ] && [ "$mode" = ratchet ] && PEER_2024_QUICK_MAX=${PEER_2024_QUICK_MAX:-3}
  if [ -n "${PEER_2024_QUICK_MAX:-}" ]; then
    # time budget: leave out the tests that took more than PEER_2024_QUICK_MAX s in the Python scheduler's baseline
    /usr/bin/python3 - "$SEL" "$ROOT/../shared/peer-tests-2024/baseline-results.json" "$PEER_2024_QUICK_MAX" > "$LOGS/peer2024-selection.txt" <<'PY'
import json, sys
sel, base, cap = sys.argv[1], sys.argv[2], float(sys.argv[3])
slow = {k for k, v in json.load(open(base))["tests"].items() if v["duration"] > cap}
for line in open(sel):
    if not line.strip() or line.startswith("#") or line.split()[0] not in slow:
        sys.stdout.write(line)
PY
    echo "PEER_2024_QUICK_MAX=$PEER_2024_QUICK_MAX: $(grep -cvE '^\s*(#|$)' "$LOGS/peer2024-selection.txt") of $(grep -cvE '^\s*(#|$)' "$SEL") tests"
    SEL="$LOGS/peer2024-selection.txt"
  fi
  W24="$TRIXIE_ROOT/tmp/ci-peer2024.$$"
  [ "$(id -u)" != 0 ] && PEER_SUDO="sudo -E"   # run.sh enters the chroot
  rm -rf "$LOGS/peer2024-logs"
  run_peer "peer tests 2024" "$ROOT/../shared/peer-tests-2024/run.sh" "$SEL" peer2024 \
    "$W24/run" "$LOGS/peer2024-results.json" "$W24/rerun" "$LOGS/peer2024-rerun-results.json"
  for d in run rerun; do
    [ -d "$W24/$d/scheduler-logs" ] && mkdir -p "$LOGS/peer2024-logs/$d" && cp -r "$W24/$d/scheduler-logs" "$W24/$d/launcher.log" "$LOGS/peer2024-logs/$d/" 2>/dev/null
  done
  $PEER_SUDO rm -rf --one-file-system "$W24"
  PEER_SUDO=""
fi

echo "xunit: $xp passed, $xf failed, $xs skipped"
echo "$((xp + pp)) passed, $((xf + pf)) failed"
if [ $xrc -ne 0 ] || [ "$xf" != 0 ] || [ "$pf" != 0 ]; then exit 1; fi
exit 0
