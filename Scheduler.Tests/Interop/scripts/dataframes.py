# dask.dataframe end to end on our scheduler, each result compared with the same computation under
# the sync scheduler: IO layers, blockwise, tree reductions, task shuffles, joins, split_out.
import os, sys, tempfile, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd
import dask, dask.dataframe as dd
from distributed import Client

c = Client(sys.argv[1], timeout=30)

def same(name, coll, sort=None):
    got = coll.compute()
    want = coll.compute(scheduler="sync")
    if isinstance(got, (pd.DataFrame, pd.Series)):
        if sort is not None:
            got, want = got.sort_values(sort).reset_index(drop=True), want.sort_values(sort).reset_index(drop=True)
        else:
            got, want = got.sort_index(), want.sort_index()
        pd.testing.assert_frame_equal(got.to_frame() if isinstance(got, pd.Series) else got,
                                      want.to_frame() if isinstance(want, pd.Series) else want)
    else:
        assert np.allclose(got, want), (name, got, want)
    print("ok", name, flush=True)

ts = dask.datasets.timeseries(start="2000-01-01", end="2000-01-04", freq="60s", seed=1)
assert len(ts) == len(ts.compute(scheduler="sync")); print("ok len", flush=True)
same("groupby mean", ts.groupby("name")["x"].mean())
same("filter", ts[(ts["x"] > 0) | (ts["y"] < 0)])
same("shuffle tasks", ts.shuffle("id", shuffle="tasks").x.sum())
same("shuffle two stage", ts.shuffle("id", shuffle="tasks", max_branch=2).x.sum())
same("set_index", ts.set_index("id", shuffle="tasks").x.sum())
left = dd.from_pandas(pd.DataFrame({"k": np.arange(40) % 7, "v": np.arange(40.0)}), npartitions=4)
right = dd.from_pandas(pd.DataFrame({"k": np.arange(7), "w": np.arange(7) * 10}), npartitions=2)
same("hash join", left.merge(right, on="k", shuffle="tasks"), sort=["k", "v"])
same("broadcast inner", left.merge(right, on="k", broadcast=True, shuffle="tasks"), sort=["k", "v"])
same("broadcast left", left.merge(right, on="k", how="left", broadcast=True, shuffle="tasks"), sort=["k", "v"])
tmp = tempfile.mkdtemp()
for i in range(3):
    pd.DataFrame({"a": np.arange(5) % 3 + i, "b": np.arange(5.0)}).to_csv(os.path.join(tmp, f"part{i}.csv"), index=False)
csv = dd.read_csv(os.path.join(tmp, "part*.csv"))
same("read_csv", csv, sort=["a", "b"])
same("groupby split_out", csv.groupby("a", sort=False).b.sum(split_out=2))
same("groupby split_out no shuffle", csv.groupby("a", sort=False).b.sum(split_out=2, shuffle=False))
same("map_partitions", left.map_partitions(lambda d: d + 1))
try:
    ts.shuffle("id", shuffle="p2p").x.sum().compute()
    raise SystemExit("p2p should be refused")
except Exception as e:
    assert "P2PShuffleLayer" in str(e) and 'shuffle="tasks"' in str(e), repr(e)
    print("ok p2p refused", flush=True)
assert c.submit(lambda: 1).result() == 1
print("OK dataframes")
c.close()
