# cancel a running task and its dependent; the cluster stays usable.
import sys, time
from distributed import Client, wait
from concurrent.futures import CancelledError
c = Client(sys.argv[1], timeout=30)
def slow(x):
    time.sleep(2)
    return x
def inc(x): return x + 1
f = c.submit(slow, 1)
g = c.submit(inc, f)
time.sleep(0.3)
c.cancel([f])
deadline = time.time() + 10
while not (f.cancelled() and g.cancelled()) and time.time() < deadline:
    time.sleep(0.05)
assert f.cancelled() and g.cancelled(), (f.status, g.status)
try:
    g.result()
    raise SystemExit("expected CancelledError")
except CancelledError:
    pass
assert c.submit(inc, 41).result() == 42
print("OK cancel")
c.close()
