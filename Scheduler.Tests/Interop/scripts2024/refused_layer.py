# A graph layer the scheduler does not expand yet (a legacy dask.dataframe groupby: a tree reduction over Blockwise) is refused for that graph
# only, with a message naming the layer; the client's other work goes on. Prints one JSON line.
#   python3 refused_layer.py ADDRESS
import json, operator, sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
import dask.dataframe as dd
from distributed import Client

out = {}
with Client(sys.argv[1], timeout=30) as c:
    c.wait_for_workers(1, timeout=30)
    before = c.submit(operator.add, 1, 1)
    out["before"] = before.result(timeout=30)
    df = dd.from_pandas(pd.DataFrame({"g": [0, 1, 0, 1], "v": [1.0, 2.0, 3.0, 4.0]}), npartitions=2)
    try:
        df.groupby("g").v.sum().compute()
        out["refused"] = None
    except Exception as e:
        out["refused"] = str(e)
    out["before_still"] = before.result(timeout=30)
    out["after"] = c.submit(operator.mul, 3, 4).result(timeout=30)
print(json.dumps(out))
