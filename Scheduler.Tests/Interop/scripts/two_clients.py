# Two clients compute the same key; one leaving does not take the result from the other.
import sys
from distributed import Client
a = Client(sys.argv[1], timeout=30, set_as_default=False)
b = Client(sys.argv[1], timeout=30, set_as_default=False)
def inc(x): return x + 1
fa = a.submit(inc, 100, key="shared-key")
fb = b.submit(inc, 100, key="shared-key")
assert fa.result() == 101 and fb.result() == 101
a.close()
assert fb.result() == 101
assert b.gather(fb) == 101
print("OK two clients")
b.close()
