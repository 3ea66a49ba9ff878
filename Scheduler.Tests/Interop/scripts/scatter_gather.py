# scatter (list, dict, broadcast, a 100 MB value that needs frame splitting) and gather.
import sys, numpy as np
from distributed import Client
c = Client(sys.argv[1], timeout=60)
futs = c.scatter([1, 2, 3])
assert c.gather(futs) == [1, 2, 3]
d = c.scatter({"a": 10, "b": 20})
assert c.gather(d["a"]) == 10
who = c.who_has(list(d.values()))
assert all(len(v) == 1 for v in who.values()), who
arr = np.arange(1000)
[b] = c.scatter([arr], broadcast=True)
assert len(c.who_has([b])[b.key]) == 2
assert c.submit(lambda a: int(a.sum()), b).result() == int(arr.sum())
big = np.ones(100 * 1024 * 1024 // 8)
[bf] = c.scatter([big])
assert c.submit(lambda a: float(a.sum()), bf).result() == float(len(big))
back = bf.result()
assert back.shape == big.shape and float(back[-1]) == 1.0
nb = c.nbytes(summary=False)
assert nb[bf.key] == big.nbytes, nb
print("OK scatter")
c.close()
