"""What an open dashboard costs the scheduler, measured inside ONE warm scheduler process.

Separate bench.py processes differ by tens of percent on a small machine, so this runs the same workload with a
headless Chromium on /status and without it, alternating (closed/open, then open/closed, ...), and compares the
scheduler's CPU per task pair by pair. Uses the workloads of ../shared/bench/bench.py and real dask-workers.

  /usr/bin/python3 bench/dashboard_cost.py artifacts/scheduler/Scheduler.Host --workloads merge,tree --pairs 4
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench"))
sys.path.insert(0, BENCH)
import bench  # noqa: E402  (../shared/bench/bench.py: workloads, CPU accounting)
from distributed import Client  # noqa: E402


HOG = """
import sys, time
share = float(sys.argv[1])
while True:
    end = time.perf_counter() + 0.01 * share
    while time.perf_counter() < end:
        pass
    time.sleep(0.01 * (1 - share))
"""


def group_cpu_seconds(pgid):
    """CPU seconds of every live process in a process group: Chromium's renderers are not all its children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            total += int(fields[11]) + int(fields[12])
    return total / tick


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scheduler", help="the scheduler executable (e.g. artifacts/scheduler/Scheduler.Host)")
    ap.add_argument("--workloads", default="merge,tree")
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--hog", action="store_true", help="also run each workload beside a CPU burner using the browser's share")
    args = ap.parse_args()
    names = args.workloads.split(",")
    work = tempfile.mkdtemp(prefix="dashboard-cost-")
    port, http = bench.free_port(), bench.free_port()
    sched = subprocess.Popen([os.path.abspath(args.scheduler), "--host", "127.0.0.1", "--port", str(port),
                              "--dashboard-address", "127.0.0.1:%d" % http],
                             cwd=work, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "scheduler.log"), "w"))
    workers = None
    try:
        bench.wait_port(port)
        address = "tcp://127.0.0.1:%d" % port
        # The workloads' functions live in bench.py, which the workers must be able to import.
        workers = subprocess.Popen(["dask-worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                                    "--host", "127.0.0.1"], stdout=subprocess.DEVNULL,
                                   stderr=open(os.path.join(work, "workers.log"), "w"),
                                   env=dict(os.environ, PYTHONPATH=BENCH))
        client = Client(address, timeout=60)
        client.wait_for_workers(2, timeout=60)

        def run(name):
            c0 = bench.cpu_seconds(sched.pid)
            n = bench.WORKLOADS[name](client)
            cpu = bench.cpu_seconds(sched.pid) - c0
            client.cancel(list(client.futures.values()))
            return cpu / n * 1e6

        for name in names:
            run(name)  # warm-up: JIT, history tables
        modes = ["closed", "open"] + (["hog"] if args.hog else [])
        results = {n: {m: [] for m in modes} for n in names}
        browser_share = [0.3]  # of one core, measured on each open run; the hog burns the same
        for i in range(args.pairs):
            for mode in (modes if i % 2 == 0 else modes[::-1]):
                other = None
                if mode == "open":
                    other = subprocess.Popen(
                        [args.chromium, "--headless", "--no-sandbox", "--disable-gpu",
                         "--user-data-dir=" + os.path.join(work, "chromium"), "http://127.0.0.1:%d/status" % http],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                    time.sleep(4)  # page loaded, circuit live
                elif mode == "hog":
                    # No browser: a process burning the CPU share the browser used, to tell the dashboard's own
                    # cost from what any busy neighbour on two cores costs the scheduler.
                    other = subprocess.Popen([sys.executable, "-c", HOG, str(browser_share[0])], start_new_session=True)
                    time.sleep(1)
                b0, t0 = (group_cpu_seconds(other.pid), time.time()) if other else (0, 0)
                for name in names:
                    results[name][mode].append(run(name))
                if other:
                    if mode == "open":
                        browser_share[0] = min(1.0, (group_cpu_seconds(other.pid) - b0) / (time.time() - t0))
                    os.killpg(other.pid, 15)
                    other.wait(10)
                    time.sleep(1)
            print("pair %d: %s; browser %.0f%% of a core" % (
                i, {n: tuple(round(results[n][m][-1]) for m in modes) for n in names}, browser_share[0] * 100), flush=True)
        for other in modes[1:]:
            print("| workload | closed µs/task | %s µs/task | paired ratio (median) | ratios |" % other)
            print("|---|---:|---:|---:|---|")
            for name in names:
                closed, opened = results[name]["closed"], results[name][other]
                ratios = [o / c for c, o in zip(closed, opened)]
                print("| %s | %.0f | %.0f | %.3f | %s |" % (name, statistics.median(closed), statistics.median(opened),
                                                         statistics.median(ratios), ", ".join("%.2f" % r for r in ratios)))
        client.close()
    finally:
        if workers:
            workers.terminate()
            workers.wait(10)
        sched.terminate()
        sched.wait(10)


if __name__ == "__main__":
    main()
