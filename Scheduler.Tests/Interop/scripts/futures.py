# submit / map / gather / wait through the real Client.
import sys
from distributed import Client, wait
c = Client(sys.argv[1], timeout=30)
def inc(x): return x + 1
def add(x, y): return x + y
assert c.submit(inc, 1).result() == 2
futs = c.map(inc, range(200))
assert c.gather(futs) == list(range(1, 201))
total = c.submit(sum, futs)
assert total.result() == sum(range(1, 201))
chain = c.submit(add, c.submit(inc, 10), c.submit(inc, 20))
assert chain.result() == 32
wait(c.map(inc, range(50), pure=False))
assert set(c.ncores().values()) == {1}
import os
pids = c.run(os.getpid)          # broadcast to every worker
assert len(pids) == 2 and len(set(pids.values())) == 2, pids
print("OK futures")
c.close()
