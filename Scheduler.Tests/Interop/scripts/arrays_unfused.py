# dask.array graphs that keep their Blockwise layers (fusion off, optimize_graph=False), compared with sync.
import sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
import dask, dask.array as da
from distributed import Client

c = Client(sys.argv[1], timeout=30)
x = da.random.RandomState(0).random((40, 40), chunks=(20, 20))

def same(name, arr, **kw):
    got = c.compute(arr, **kw).result()
    want = arr.compute(scheduler="sync")
    assert np.allclose(got, want), name
    print("ok", name, flush=True)

with dask.config.set({"optimization.fuse.active": False}):
    same("add transpose mean", (x + x.T).mean())
    same("matmul", x @ x.T)
    same("drop_axis", x.map_blocks(lambda b: b.sum(axis=1), drop_axis=1, dtype=float))
    same("map_overlap", x.map_overlap(lambda b: b + 1, depth=1))
    same("ones sum", da.ones((40, 40), chunks=(20, 20)).sum())
    same("tensordot", da.tensordot(x, x, axes=1))
same("map_overlap unoptimised", x.map_overlap(lambda b: b * 2, depth=1), optimize_graph=False)
same("rechunk", x.rechunk((10, 40)).sum(axis=0))
same("argtopk", da.argtopk(x.ravel(), 5))
print("OK arrays unfused")
c.close()
