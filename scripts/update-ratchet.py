#!/usr/bin/python3
"""Rebuild Scheduler.Tests/PeerTests/ratchet.txt: the peer tests (../shared/peer-tests) this
scheduler passes, grouped by area, from one or more results.json files of peer-test runs.

    scripts/update-ratchet.py <results.json>... [--keep]
    scripts/update-ratchet.py --dask 2024 <results.json>... [--keep]

--dask 2024: the Dask 2024.12.1 peer tests instead (../shared/peer-tests-2024/selection.txt into
Scheduler.Tests/PeerTests/ratchet-2024.txt), from results.json files of ../shared/peer-tests-2024/run.sh
(PEER_RESULTS=... copies one out of the chroot; scripts/run-tests.sh leaves artifacts/test-logs/peer2024-results.json).

A test enters the ratchet when it passed in a given run and did not fail in any given run.
With --keep, tests already in the ratchet stay unless a run shows them failing.
CI runs the ratchet, so a test that passed once and then fails is a regression.
"""
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
argv = sys.argv[1:]
dask = "2022"
if "--dask" in argv:
    i = argv.index("--dask")
    dask = argv[i + 1]
    del argv[i:i + 2]
if dask not in ("2022", "2024"):
    sys.exit("--dask must be 2022 or 2024")
peer = "peer-tests" if dask == "2022" else "peer-tests-2024"
selection = os.path.join(root, "..", "shared", peer, "selection.txt")
ratchet = os.path.join(root, "Scheduler.Tests", "PeerTests", "ratchet.txt" if dask == "2022" else "ratchet-2024.txt")

args = [a for a in argv if not a.startswith("--")]
keep = "--keep" in argv
if not args:
    sys.exit(__doc__)
passed, failed = set(), set()
for path in args:
    for nodeid, t in json.load(open(path))["tests"].items():
        name = nodeid.split("distributed/tests/")[-1]
        (passed if t["outcome"] == "passed" else failed).add(name)
if keep and os.path.exists(ratchet):
    for line in open(ratchet):
        line = line.strip()
        if line and not line.startswith("#"):
            passed.add(line)
good = passed - failed

areas, area = {}, None
for line in open(selection):
    line = line.strip()
    if line.startswith("## "):
        area = line[3:].split()[0]
        areas[area] = []
    elif line and not line.startswith("#") and area:
        if line.split()[0] in good:
            areas[area].append(line.split()[0])

total = sum(len(v) for v in areas.values())
with open(ratchet, "w") as f:
    f.write(f"# Peer tests (../shared/{peer}/selection.txt) that this scheduler passes; CI runs them all\n")
    f.write(f"# and fails on any regression. Regenerate with scripts/update-ratchet.py{' --dask 2024' if dask == '2024' else ''} after a full run.\n")
    f.write(f"# {total} tests.\n")
    for a, ids in areas.items():
        if ids:
            f.write(f"\n## {a}  ({len(ids)})\n")
            f.writelines(i + "\n" for i in ids)
print(f"{total} tests in {ratchet}")
