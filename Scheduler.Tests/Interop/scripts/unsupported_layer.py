# A dataframe graph arrives with layers this scheduler cannot expand yet: the user gets a readable
# error naming the layer, and the scheduler keeps serving the same client.
import sys
import pandas as pd, dask.dataframe as dd
from distributed import Client
c = Client(sys.argv[1], timeout=30)
df = dd.from_pandas(pd.DataFrame({"x": range(10)}), npartitions=2)
try:
    (df.x + 1).sum().compute()
    print("UNEXPECTED success")
except Exception as e:
    assert "Blockwise" in str(e) or "Layer" in str(e), repr(e)
    print("refused:", str(e)[:120])
assert c.submit(lambda: 7).result() == 7
print("OK unsupported")
c.close()
