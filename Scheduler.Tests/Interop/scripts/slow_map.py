# A long map (each task sleeps) that the test interrupts by killing the scheduler.
import sys
import time

from distributed import Client

c = Client(sys.argv[1], timeout=30)


def slow(x):
    time.sleep(0.05)
    return x


futures = c.map(slow, range(2000), key=["slow-%d" % i for i in range(2000)])
print("SUBMITTED", flush=True)
try:
    c.gather(futures)
except Exception as e:  # the scheduler goes away
    print("GONE", type(e).__name__, flush=True)
