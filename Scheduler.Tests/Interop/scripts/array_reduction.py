# dask.array: a fused MaterializedLayer graph with Serialized task specs, compared with the sync scheduler.
import sys, dask, dask.array as da
from distributed import Client
c = Client(sys.argv[1], timeout=30)
x = da.random.RandomState(42).random((400, 400), chunks=(100, 100))
expr = (x + x.T).mean()
got = float(expr.compute())
want = float(expr.compute(scheduler="sync"))
assert abs(got - want) < 1e-12, (got, want)
y = (x @ x.T).sum(axis=0)
assert abs(float(y.sum().compute()) - float(y.sum().compute(scheduler="sync"))) < 1e-6
print("OK array", round(got, 6))
c.close()
