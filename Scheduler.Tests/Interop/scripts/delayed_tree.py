# A binary tree of dask.delayed (graph without priorities: the scheduler orders it).
import sys, dask
from distributed import Client
c = Client(sys.argv[1], timeout=30)
@dask.delayed
def inc(x): return x + 1
@dask.delayed
def add(x, y): return x + y
level = [inc(i) for i in range(64)]
while len(level) > 1:
    level = [add(level[i], level[i + 1]) for i in range(0, len(level), 2)]
assert level[0].compute() == sum(range(1, 65))
print("OK delayed")
c.close()
