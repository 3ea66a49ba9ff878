# A Dask 2024.12.1 delayed graph big enough (10,101 tasks) that the scheduler builds its tasks in several ranges at
# once: 10,000 leaves with tuple keys, 100 partial sums across them, one total. Prints one JSON line.
#   python3 big_delayed.py ADDRESS
import json, sys
import dask
from distributed import Client

def inc(x):
    return x + 1

def total(xs):
    return sum(xs)

with Client(sys.argv[1], timeout=30) as c:
    c.wait_for_workers(1, timeout=30)
    leaves = [dask.delayed(inc)(i, dask_key_name=("leaf", i)) for i in range(10_000)]
    # each partial sum takes every 100th leaf, so its dependencies lie in every range of the graph
    partial = [dask.delayed(total)(leaves[j::100], dask_key_name=("partial", j)) for j in range(100)]
    out = dask.delayed(total)(partial, dask_key_name="big-total")
    print(json.dumps({"total": out.compute(), "tasks": len(out.__dask_graph__())}), flush=True)
