#!/usr/bin/env bash
# Regenerates docs/performance.md's results and plots: builds the scheduler as it ships (Release, ReadyToRun)
# and scheduler-perf, then runs the benchmark matrix against dask-scheduler and this scheduler, alternating.
# Takes about 25 minutes on the 2-core machine. Arguments are passed to `scheduler-perf matrix`
# (e.g. --sizes 1000,10000 --workers 8 for a quick look; --out elsewhere to keep the docs as they are).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore > /dev/null  # dotnet-gcdump: the live managed heap of the big graph
dotnet publish Scheduler.Host -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o artifacts/scheduler --nologo -v quiet
dotnet build bench/Scheduler.Perf -c Release --nologo -v quiet
exec bench/Scheduler.Perf/bin/Release/net10.0/scheduler-perf matrix \
  --shapes merge,tree,map,fan,random,chain@1000 --sizes 1000,10000,50000 --workers 8,64 --min-tasks 10000 \
  --idle-workers 1000 --idle-seconds 20 --big 1000000 --big-python 100000 --out docs/performance.md "$@"
