# An erring task, its dependents, the traceback passed through, and retry.
import sys
from distributed import Client
c = Client(sys.argv[1], timeout=30)
def div(x, y): return x / y
def inc(x): return x + 1
bad = c.submit(div, 1, 0)
dep = c.submit(inc, bad)
for f in (bad, dep):
    try:
        f.result()
        raise SystemExit("expected ZeroDivisionError")
    except ZeroDivisionError:
        pass
assert bad.status == "error" and dep.status == "error"
tb = bad.traceback()
assert tb is not None
# the cluster keeps working
assert c.submit(inc, 1).result() == 2
flaky = c.submit(div, 4, 2, retries=2)
assert flaky.result() == 2.0
print("OK errors")
c.close()
