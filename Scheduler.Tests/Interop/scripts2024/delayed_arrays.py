# Dask 2024.12.1 collections that a client sends materialised: delayed (legacy tuples, with annotations) and
# dask.array with the default optimisation (fused tasks). Prints one JSON line.
#   python3 delayed_arrays.py ADDRESS
import json, operator, sys
import dask
import dask.array as da
import numpy as np
from distributed import Client

def inc(x):
    return x + 1

out = {}
with Client(sys.argv[1], timeout=30) as c:
    c.wait_for_workers(1, timeout=30)
    with dask.annotate(retries=2):
        d = dask.delayed(operator.add)(dask.delayed(inc)(1), dask.delayed(inc)(2))
    out["delayed"] = d.compute()
    parts = [dask.delayed(inc)(i) for i in range(50)]
    out["delayed_sum"] = dask.delayed(sum)(parts).compute()
    x = da.ones((40, 40), chunks=10)
    out["array_sum"] = float((x + 1).sum().compute())
    y = da.arange(100, chunks=7)
    out["array_mean"] = float(y.mean().compute())
    z = (x @ x.T)[:5, :5].compute()
    out["array_matmul"] = z.tolist()[0][0]
    out["persist"] = float(c.persist(x.sum()).compute())
    # Results that are numpy arrays travel as out-of-band buffers, which a 2024.12 worker frames after its total.
    r = da.random.RandomState(42).random((1000, 1000), chunks=(250, 250))
    got = (r + r.T).mean(axis=0).compute()
    ref = r.compute()
    out["array_axis_mean"] = bool(np.allclose(got, (ref + ref.T).mean(axis=0)))
print(json.dumps(out))
