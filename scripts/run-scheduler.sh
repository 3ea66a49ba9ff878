#!/usr/bin/env bash
# Builds (Release) and runs the scheduler. Any dask-scheduler flags are passed through, e.g.
#   scripts/run-scheduler.sh --port 8786 --dashboard-address :8787 --scheduler-file sched.json
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish Scheduler.Host -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o artifacts/scheduler --nologo -v quiet >/dev/null
exec artifacts/scheduler/Scheduler.Host "$@"
