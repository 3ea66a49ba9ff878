#!/usr/bin/env bash
# Installs what the scheduler and its tests need on a fresh Debian 12 machine (run as root or with sudo).
# The .NET 10 SDK is expected on PATH; everything else comes from Debian's packages and NuGet.
# It also builds (or reuses) the Debian 13 chroot for Dask 2024.12.1: scripts/setup-trixie.sh.
set -euo pipefail
SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
PKGS="python3-distributed python3-dask python3-pandas python3-numpy python3-lz4 python3-psutil python3-tblib
python3-pytest python3-pytest-timeout python3-pytest-rerunfailures python3-fsspec python3-toolz python3-cloudpickle
python3-yaml python3-requests python3-scipy python3-zict python3-sortedcontainers python3-ipywidgets chromium"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
# Dask 2024.12.1 runs in a Debian 13 chroot, cached outside the clone (default /var/cache/dask-scheduler-ci/trixie,
# TRIXIE_ROOT overrides): built once from Debian's archive, reused afterwards. SETUP_TRIXIE=0 leaves it out.
if [ "${SETUP_TRIXIE:-1}" != 0 ]; then
  bash "$(dirname "$0")/setup-trixie.sh"
fi
