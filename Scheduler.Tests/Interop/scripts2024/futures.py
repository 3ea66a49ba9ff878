# Dask 2024.12.1 futures against the scheduler: submit, dependencies, map, gather, scatter (also tuple keys),
# who_has, errors with their traceback, retries, cancel. Prints one JSON line of what it saw.
#   python3 futures.py ADDRESS
import json, operator, sys, time
from distributed import Client

def inc(x):
    return x + 1

def fail(x):
    raise ValueError(f"bad {x}")

out = {}
with Client(sys.argv[1], timeout=30) as c:
    c.wait_for_workers(1, timeout=30)
    f = c.submit(operator.add, 1, 2)
    out["submit"] = f.result(timeout=30)
    out["dependent"] = c.submit(inc, f).result(timeout=30)
    out["map"] = c.gather(c.map(inc, range(10)))
    out["map_kwargs"] = c.gather(c.map(lambda x, y=0: x * y, range(3), y=3))
    nested = c.submit(sum, [f, c.submit(inc, 1)])
    out["nested_futures"] = nested.result(timeout=30)
    s = c.scatter([10, 20])
    out["scatter"] = c.gather(s)
    out["who_has_keys"] = sorted(c.who_has(s))  == sorted(x.key for x in s)
    t = c.scatter({("part", 3): 7})
    out["tuple_scatter"] = c.gather(t)[("part", 3)]
    k = c.submit(inc, 41, key=("answer", 0))
    out["tuple_key"] = [list(k.key), k.result(timeout=30)]
    bad = c.submit(fail, 5)
    try:
        bad.result(timeout=30)
    except ValueError as e:
        out["error"] = str(e)
        out["traceback"] = "fail" in "".join(__import__("traceback").format_tb(e.__traceback__))
    slow = c.submit(time.sleep, 30)
    c.cancel(slow)
    deadline = time.time() + 30
    while slow.status != "cancelled" and time.time() < deadline:
        time.sleep(0.05)
    out["cancelled"] = slow.status
    out["big_arg"] = c.submit(len, b"x" * 2_000_000).result(timeout=30)
print(json.dumps(out))
