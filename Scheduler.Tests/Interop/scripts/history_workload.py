# A workload whose history the tests read back: a small graph with known keys (kept alive until the test releases them,
# so that the live API can show it), a map, and a task that errs.
import os
import sys
import time

from dask import delayed
from distributed import Client, wait

c = Client(sys.argv[1], timeout=30)


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def fail(x):
    raise ValueError("history test failure %d" % x)


a = delayed(inc)(1, dask_key_name="inc-a")
b = delayed(inc)(2, dask_key_name="inc-b")
total = delayed(add)(a, b, dask_key_name="add-total")
f = c.compute(total)
assert f.result() == 5
mapped = c.map(inc, range(50), key=["map-%d" % i for i in range(50)])
wait(mapped)
bad = c.submit(fail, 7, key="fail-7")
wait(bad)
assert bad.status == "error"
print("READY", flush=True)
# Hold the futures until the test is done looking (it creates the file "release" in the working directory).
deadline = time.time() + 120
while not os.path.exists("release") and time.time() < deadline:
    time.sleep(0.1)
c.close()
