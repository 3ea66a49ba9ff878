# Slow tasks and a reduction; the test SIGKILLs a worker once the tasks are running.
import sys, time
from distributed import Client
c = Client(sys.argv[1], timeout=30)
def slow_inc(x):
    time.sleep(0.4)
    return x + 1
futs = c.map(slow_inc, range(12))
total = c.submit(sum, futs)
while not any(f.status == "finished" for f in futs):
    time.sleep(0.05)
print("RUNNING", flush=True)
assert total.result(timeout=120) == sum(range(1, 13))
print("OK killed worker", flush=True)
c.close()
