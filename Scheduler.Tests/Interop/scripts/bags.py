# dask.bag (materialised by the client) and an annotated delayed graph, compared with sync.
import sys, warnings
warnings.filterwarnings("ignore")
import dask, dask.bag as db
from distributed import Client
c = Client(sys.argv[1], timeout=30)
b = db.from_sequence(range(100), npartitions=7)
fold = b.foldby(lambda x: x % 3, lambda acc, x: acc + x, 0)
assert sorted(fold.compute()) == sorted(fold.compute(scheduler="sync"))
freq = b.map(lambda x: x % 5).frequencies()
assert sorted(freq.compute()) == sorted(freq.compute(scheduler="sync"))
with dask.annotate(priority=5, retries=2):
    a = dask.delayed(lambda x: x + 1)(1, dask_key_name="annotated-inc")
total = dask.delayed(lambda x, y: x + y)(a, 10, dask_key_name="plain-add")
assert total.compute() == 12
print("OK bags")
c.close()
