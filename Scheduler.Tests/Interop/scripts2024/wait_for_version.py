# A 2024.12.1 client on a cluster whose workers all run another Dask version: its task waits (no worker can run a
# 2024 run spec) until a worker of its own version joins. Prints "SUBMITTED" once the task is on the scheduler,
# then "OK waited <version> <result>" when it has run.
#   python3 wait_for_version.py ADDRESS
import sys
import distributed
from distributed import Client, get_worker

def where(x):
    return (distributed.__version__, x + 1)

with Client(sys.argv[1], timeout=30) as c:
    fut = c.submit(where, 41)
    print("SUBMITTED", flush=True)
    version, result = fut.result(timeout=240)
    assert version == distributed.__version__, version
    print("OK waited", version, result, flush=True)
