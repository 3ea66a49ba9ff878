# Cluster operations with real workers: rebalance, retire_workers keeping data, scheduler logs, stories, metadata.
# The scheduler runs with rebalance measuring managed memory and no thresholds (as Dask's own tests configure it).
import sys
from distributed import Client

c = Client(sys.argv[1], timeout=30)
c.wait_for_workers(2)
a, b = sorted(c.scheduler_info()["workers"])

futures = c.scatter(list(range(40)), workers=[a])
held = c.has_what()
assert (len(held[a]), len(held[b])) == (40, 0), held
c.rebalance()
held = c.has_what()
assert len(held[a]) + len(held[b]) == 40 and abs(len(held[a]) - len(held[b])) <= 2, {k: len(v) for k, v in held.items()}
print("OK rebalance", {k: len(v) for k, v in held.items()}, flush=True)

y = c.submit(lambda v: v + 1, futures[0])
assert y.result() == 1
story = c.sync(c.scheduler.get_story, keys_or_stimuli=[y.key])
states = [tuple(t[1:3]) for t in story if t[0] == y.key]
assert states[:3] == [("released", "waiting"), ("waiting", "processing"), ("processing", "memory")], story
assert all(isinstance(t[4], str) and t[4] for t in story), story  # every transition has its stimulus id
print("OK story", states, flush=True)

c.set_metadata(["x", "a"], 1)
c.set_metadata(["x", "b"], [1, 2])
assert c.get_metadata("x") == {"a": 1, "b": (1, 2)}  # msgpack arrays come back as tuples, as with Dask
assert c.get_metadata(["x", "missing"], "dflt") == "dflt"
try:
    c.get_metadata("nothing")
    raise AssertionError("expected KeyError")
except KeyError:
    pass
print("OK metadata", flush=True)

from distributed import get_task_stream
with get_task_stream(client=c) as ts:
    doubled = c.map(lambda v: v * 2, range(10))
    c.gather(doubled)
# The stream selects records by start time, which workers report on the scheduler's clock (their own clock
# corrected by the measured offset): a task that ran just before the window can fall inside it, with Dask too.
ours = [rec for rec in ts.data if rec["key"] in {f.key for f in doubled}]
assert len(ours) == 10, ts.data
for rec in ours:
    assert rec["status"] == "OK" and rec["worker"] in (a, b) and rec["startstops"][0]["action"] == "compute", rec
    assert "key" in rec and "thread" in rec
print("OK task stream", len(ours), flush=True)

logs = c.get_scheduler_logs(n=5)
assert logs and all("distributed.scheduler" in line for _, line in logs), logs
print("OK logs", len(logs), flush=True)

retired = c.retire_workers(workers=[a], close_workers=True)
assert list(retired) == [a], retired
assert list(c.scheduler_info()["workers"]) == [b]
assert c.gather(futures) == list(range(40))  # nothing was lost
print("OK retire_workers", flush=True)
c.close()
