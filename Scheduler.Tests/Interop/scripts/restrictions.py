# Restrictions and resources with real workers: one worker started with --resources GPU=1.
import sys
from distributed import Client, get_worker

c = Client(sys.argv[1], timeout=30)
c.wait_for_workers(2)
info = c.scheduler_info()["workers"]
gpu = [a for a, w in info.items() if w["resources"].get("GPU") == 1]
assert len(gpu) == 1, info
gpu = gpu[0]
plain = [a for a in info if a != gpu][0]

def where(x):
    return get_worker().address

# resources: every task needing a GPU runs on the worker that has one
on_gpu = c.gather(c.map(where, range(6), resources={"GPU": 1}, pure=False))
assert set(on_gpu) == {gpu}, on_gpu
# worker restrictions: by address
assert set(c.gather(c.map(where, range(6), workers=[plain], pure=False))) == {plain}
# a restriction nobody satisfies, but loose: it runs anyway
assert c.submit(where, 1, workers=["tcp://127.0.0.1:1"], allow_other_workers=True, pure=False).result() in (gpu, plain)
# annotations, as collections send them
import dask
with dask.annotate(resources={"GPU": 1}):
    places = [dask.delayed(where, pure=False)(i) for i in range(3)]
assert set(dask.compute(*places)) == {gpu}
print("OK restrictions", flush=True)
c.close()
