# A 100k-task graph for the dashboard to follow: a chunk-per-element array (100,000 blockwise tasks, expanded by
# the scheduler) summed by a reduction tree. Held until the test is done looking, then cancelled.
import os
import sys
import time

import dask.array as da
from distributed import Client

c = Client(sys.argv[1], timeout=30)
total = (da.ones(100_000, chunks=1) + 1).sum()
future = c.compute(total)
print("SUBMITTED", flush=True)
deadline = time.time() + 300
while not os.path.exists("release") and time.time() < deadline and not future.done():
    time.sleep(0.1)
future.cancel()
c.close()
print("DONE", flush=True)
