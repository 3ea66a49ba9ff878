# Client.restart with nanny workers: futures are cancelled, the nannies start fresh workers, work goes on.
import sys
from distributed import Client

c = Client(sys.argv[1], timeout=30)
c.wait_for_workers(2)
before = set(c.scheduler_info()["workers"])
x = c.submit(lambda: 41)
assert x.result() == 41
c.restart(timeout=60)
assert x.status == "cancelled", x.status
after = set(c.scheduler_info()["workers"])
assert len(after) == 2 and not (before & after), (before, after)
assert c.submit(lambda v: v + 1, 41).result() == 42
print("OK restart", flush=True)
c.close()
