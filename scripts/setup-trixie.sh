#!/usr/bin/env bash
# The Debian 13 ("trixie") chroot in which Dask 2024.12.1 clients, workers and its peer tests run.
# Built from Debian's archive (the mirror is read from this machine's apt sources at run time, or
# TRIXIE_MIRROR; it is never written into the repository) by ../shared/peer-tests-2024/trixie-chroot.sh,
# and cached on the machine, outside the clone, so later runs (and later CI runs) reuse it:
#
#   TRIXIE_ROOT   the chroot        (default /var/cache/dask-scheduler-ci/trixie)
#   TRIXIE_CACHE  its tarball       (default $TRIXIE_ROOT.tar)
#
#   scripts/setup-trixie.sh             # ensure: restore from the tarball or build, install what is missing
#   scripts/setup-trixie.sh --rebuild   # throw chroot and tarball away, build afresh from the archive
#
# Idempotent; about a second when the chroot is there and complete. Needs root (debootstrap, chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)
CHROOT_SH="$ROOT_DIR/../shared/peer-tests-2024/trixie-chroot.sh"
export TRIXIE_ROOT=${TRIXIE_ROOT:-/var/cache/dask-scheduler-ci/trixie}
TRIXIE_ROOT=${TRIXIE_ROOT%/}
CACHE=${TRIXIE_CACHE:-$TRIXIE_ROOT.tar}
rebuild=0; [ "${1:-}" = --rebuild ] && rebuild=1

if [ "$(id -u)" != 0 ]; then
  exec sudo TRIXIE_ROOT="$TRIXIE_ROOT" TRIXIE_CACHE="$CACHE" ${TRIXIE_MIRROR:+TRIXIE_MIRROR="$TRIXIE_MIRROR"} bash "$0" "$@"
fi
[ -f "$CHROOT_SH" ] || { echo "setup-trixie: $CHROOT_SH not found (../shared must lie beside the clone)" >&2; exit 1; }
case "$TRIXIE_ROOT" in /|"") echo "setup-trixie: refusing TRIXIE_ROOT='$TRIXIE_ROOT'" >&2; exit 1 ;; esac

mkdir -p "$(dirname "$TRIXIE_ROOT")" "$(dirname "$CACHE")"
# one setup at a time per chroot (two CI jobs on one machine)
exec 9>"$TRIXIE_ROOT.lock"
flock 9

chroot_sh() { sh "$CHROOT_SH" "$@"; }
wipe() { echo "setup-trixie: removing $TRIXIE_ROOT"; rm -rf --one-file-system "$TRIXIE_ROOT"; }

if [ $rebuild = 1 ]; then
  wipe; rm -f "$CACHE"
fi
# a chroot without python3 is an interrupted build (debootstrap --variant=minbase has no python): start over
if [ -d "$TRIXIE_ROOT" ] && [ ! -x "$TRIXIE_ROOT/usr/bin/python3" ] && [ -n "$(ls -A "$TRIXIE_ROOT" 2>/dev/null)" ]; then
  wipe
fi

start=$(date +%s)
if [ ! -x "$TRIXIE_ROOT/usr/bin/python3" ]; then
  if [ -f "$CACHE" ]; then
    echo "setup-trixie: restoring $TRIXIE_ROOT from $CACHE"
    if ! TRIXIE_CACHE="$CACHE" chroot_sh build || [ ! -x "$TRIXIE_ROOT/usr/bin/python3" ]; then
      echo "setup-trixie: $CACHE is unusable; building afresh"
      rm -f "$CACHE"; wipe
    fi
  fi
  if [ ! -x "$TRIXIE_ROOT/usr/bin/python3" ]; then
    echo "setup-trixie: building $TRIXIE_ROOT from the Debian archive (debootstrap trixie)"
    # written under another name and renamed, so an interrupted build leaves no truncated tarball
    rm -f "$CACHE.partial"
    TRIXIE_CACHE="$CACHE.partial" chroot_sh build
    mv -f "$CACHE.partial" "$CACHE"
  fi
fi

# install whatever of the package list is missing (an older chroot or tarball is upgraded in place)
out=$(chroot_sh ensure 2>&1) || { echo "$out" >&2; echo "setup-trixie: installing packages into $TRIXIE_ROOT failed" >&2; exit 1; }
if [ -n "$out" ]; then
  echo "$out" | tail -n 5
  if echo "$out" | grep -q "^installing into"; then
    echo "setup-trixie: refreshing $CACHE"
    tar -C "$TRIXIE_ROOT" --one-file-system -cf "$CACHE.partial" . && mv -f "$CACHE.partial" "$CACHE"
  fi
fi
[ -f "$CACHE" ] || { tar -C "$TRIXIE_ROOT" --one-file-system -cf "$CACHE.partial" . && mv -f "$CACHE.partial" "$CACHE"; }

versions=$(chroot_sh versions 2>&1) || { echo "$versions" >&2; echo "setup-trixie: the chroot does not run python" >&2; exit 1; }
case "$versions" in
  *"distributed 2024.12.1 "*) ;;
  *) echo "setup-trixie: unexpected Dask in $TRIXIE_ROOT: $versions" >&2; exit 1 ;;
esac
echo "setup-trixie: $TRIXIE_ROOT ready in $(( $(date +%s) - start )) s ($versions)"
