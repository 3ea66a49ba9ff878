# A workload long enough to watch on the dashboard: a map of short sleeps and a sum, held until released.
import os
import sys
import time

from distributed import Client

c = Client(sys.argv[1], timeout=30)


def nap(x):
    time.sleep(0.03)
    return x


futures = c.map(nap, range(300), key=["nap-%d" % i for i in range(300)])
print("SUBMITTED", flush=True)
total = c.submit(sum, futures, key="total-naps")
assert total.result() == sum(range(300))
print("DONE", flush=True)
deadline = time.time() + 120
while not os.path.exists("release") and time.time() < deadline:
    time.sleep(0.1)
c.close()
