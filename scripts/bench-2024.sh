#!/usr/bin/env bash
# bench.py (../shared/bench) with Dask 2024.12.1: the client, the workers and both schedulers run inside the Debian 13
# chroot of scripts/setup-trixie.sh, in one sitting: the chroot's Python dask-scheduler, then ours (the host's dotnet
# and our published build, bind-mounted into a private mount namespace). Prints both tables and the ratios.
#   scripts/bench-2024.sh [WORKLOADS] [OUT_DIR]     (default: latency,map,merge,tree,array; artifacts/bench-2024)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
T=${TRIXIE_ROOT:-/var/cache/dask-scheduler-ci/trixie}
ONLY=${1:-latency,map,merge,tree,array}
OUT=${2:-$ROOT/artifacts/bench-2024}
mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || { echo "bench-2024: needs root (chroot, mount)" >&2; exit 2; }
bash scripts/setup-trixie.sh >/dev/null
PUB="$OUT/publish"
dotnet publish Scheduler.Host -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$PUB" --nologo -v quiet
DOTNET_ROOT_HOST=$(dirname "$(readlink -f "$(command -v dotnet)")")
W=$(mktemp -d "$T/tmp/bench2024.XXXXXX"); IN=${W#"$T"}
cp ../shared/bench/bench.py "$W/bench.py"
mkdir -p "$T/opt/dotnet" "$T/opt/scheduler"
run_in() {
  unshare -m --propagation private sh -c '
    t=$1; dn=$2; pub=$3; shift 3
    mount -t proc proc "$t/proc" && mount -t tmpfs -o size=1g,mode=1777 shm "$t/dev/shm" &&
    mount --bind "$dn" "$t/opt/dotnet" && mount --bind "$pub" "$t/opt/scheduler" &&
    exec chroot "$t" env HOME=/root DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$@"' sh "$T" "$DOTNET_ROOT_HOST" "$PUB" "$@"
}
echo "== Python dask-scheduler 2024.12.1"
run_in python3 "$IN/bench.py" --only "$ONLY" --json "$IN/python.json" \
  --scheduler-cmd "python3 -m distributed.cli.dask_scheduler --host 127.0.0.1 --port {port} --no-dashboard"
echo "== this scheduler"
run_in python3 "$IN/bench.py" --only "$ONLY" --json "$IN/ours.json" \
  --scheduler-cmd "/opt/dotnet/dotnet /opt/scheduler/Scheduler.Host.dll --host 127.0.0.1 --port {port} --dashboard-address 127.0.0.1:0"
cp "$W/python.json" "$W/ours.json" "$OUT/"
rm -rf "$W"
python3 - "$OUT/python.json" "$OUT/ours.json" <<'PY'
import json, math, sys
py, us = (json.load(open(p)) for p in sys.argv[1:3])
rows = lambda d: {r["workload"]: r for r in (d["results"] if isinstance(d, dict) else d)}
py, us = rows(py), rows(us)
print(f"{'workload':10} {'wall py':>8} {'wall us':>8} {'wall x':>7} {'cpu py':>8} {'cpu us':>8} {'cpu x':>7}")
wx, cx = [], []
for w in py:
    if w not in us: continue
    a, b = py[w], us[w]
    wr = a["wall_s"] / b["wall_s"]; cr = a["sched_cpu_s"] / b["sched_cpu_s"] if b["sched_cpu_s"] else float("nan")
    wx.append(wr); cx.append(cr)
    print(f"{w:10} {a['wall_s']:8.2f} {b['wall_s']:8.2f} {wr:7.2f} {a['sched_cpu_s']:8.2f} {b['sched_cpu_s']:8.2f} {cr:7.2f}")
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print(f"geometric mean (Python / ours): wall {g(wx):.2f}x, scheduler CPU {g(cx):.2f}x")
PY
