# Dask 2024.12.1: actors (created, called, attributes read, used from a task), the task stream and a text
# progress bar, through a real client. Prints one line per step.
#   python3 actors_stream.py ADDRESS
import sys
from distributed import Client, get_task_stream, progress
from distributed.diagnostics.progressbar import TextProgressBar

class Counter:
    n = 0
    def increment(self, by=1):
        self.n += by
        return self.n

def use(counter, k):
    return counter.increment(k).result()

def inc(x):
    return x + 1

with Client(sys.argv[1], timeout=30) as c:
    c.wait_for_workers(1, timeout=30)
    counter = c.submit(Counter, actor=True).result(timeout=30)
    assert counter.increment().result() == 1
    assert counter.increment(5).result() == 6
    assert counter.n == 6
    assert c.submit(use, counter, 4).result(timeout=30) == 10
    print("OK actors", flush=True)
    with get_task_stream(client=c) as ts:
        c.gather(c.map(inc, range(20)))
    assert len([t for t in ts.data if str(t["key"]).startswith("inc-")]) == 20, ts.data[:3]
    print("OK task stream", flush=True)
    fs = c.map(inc, range(30))
    TextProgressBar(fs, interval="50ms", complete=True, start=True)
    assert c.gather(fs) == list(range(1, 31))
    print("\nOK progress", flush=True)
