# Progress bars on our scheduler: it emulates distributed's progress feeds natively (it never unpickles the
# closures they send) and refuses every other request that would run Python on the scheduler, readably.
import asyncio
import contextlib
import io
import sys
import time

import dask.array as da
from distributed import Client, futures_of, progress, wait
from distributed.comm import connect
from distributed.core import clean_exception
from distributed.diagnostics.progressbar import MultiProgressBar, MultiProgressWidget, ProgressWidget, TextProgressBar
from distributed.protocol.pickle import dumps

c = Client(sys.argv[1], timeout=30)


def slowinc(x, delay=0.05):
    time.sleep(delay)
    return x + 1


def total(xs):
    return sum(xs)


# --- The console bar of progress(): blocks until done and draws the bar as it moves, up to 100%.
futures = c.map(slowinc, range(20), delay=0.1)
s = c.submit(total, futures)
out = io.StringIO()
with contextlib.redirect_stdout(out):
    progress(s, notebook=False)
drawn = out.getvalue()
percents = [int(p.split("%")[0].split("|")[-1]) for p in drawn.split("\r") if "% Completed" in p]
assert percents and percents[-1] == 100, drawn
assert len(set(percents)) >= 2, drawn  # it moved while the work ran
assert s.result() == sum(range(1, 21))
print("OK console progress", percents[:3], "...", percents[-1], flush=True)

# --- TextProgressBar's last reply: all the work it watched (20 + the sum), nothing remaining, finished.
with contextlib.redirect_stdout(io.StringIO()):
    bar = TextProgressBar([s], complete=True)
assert bar.status == "finished", bar.status
assert bar._last_response == {"all": 21, "remaining": 0, "status": "finished"}, bar._last_response
# complete=False leaves out what is already in memory.
more = c.submit(total, futures, pure=False)
with contextlib.redirect_stdout(io.StringIO()):
    bar = TextProgressBar([more], complete=False)
assert bar._last_response["all"] == 1 and bar._last_response["remaining"] == 0, bar._last_response
print("OK progress replies", flush=True)

# --- A task that errs: the bar stops with status error, the task's exception and its key.
def fail(x):
    return 1 / x


bad = c.submit(fail, 0)
with contextlib.redirect_stdout(io.StringIO()):
    bar = TextProgressBar([bad])
assert bar.status == "error", bar._last_response
# As on Python's scheduler, the exception is the worker's pickled bytes; the bars read it with clean_exception.
assert isinstance(clean_exception(bar._last_response["exception"])[1], ZeroDivisionError), bar._last_response
assert bar._last_response["key"] == bad.key, bar._last_response
print("OK progress error", flush=True)

# --- One bar per key prefix (MultiProgressBar), with tuple keys of an array.
y = c.persist(da.ones(12, chunks=3) + 1)
wait(y)
class RecordingMultiBar(MultiProgressBar):
    # MultiProgressBar leaves drawing to subclasses (the notebook widget); this one records what it is sent.
    def _draw_bar(self, **reply):
        pass

    def _draw_stop(self, **reply):
        pass


multi = RecordingMultiBar(futures_of(y), complete=True)
c.sync(multi.listen)
r = multi._last_response
assert r["status"] == "finished", r
assert r["all"].get("add") == 4 and set(r["remaining"].values()) == {0}, r
print("OK multi progress", r["all"], flush=True)

# --- The notebook variants: the widgets end full and say Finished.
w = ProgressWidget(futures + [s], complete=True)
c.sync(w.listen)
assert w.bar.value == 1.0 and "Finished" in w.elapsed_time.value, (w.bar.value, w.elapsed_time.value)
mw = MultiProgressWidget(futures + [s], complete=True)
c.sync(mw.listen)
assert set(mw.bars) == {"slowinc", "total"}, mw.bars
assert all(b.value == 1.0 for b in mw.bars.values()), {k: b.value for k, b in mw.bars.items()}
assert "Finished" in mw.elapsed_time.value, mw.elapsed_time.value
print("OK notebook widgets", flush=True)

# --- Keys that do not exist yet: the bar waits for them, like Python's Progress.setup.
later = MultiProgressWidget(["slowinc-later-0"], complete=True)
task = asyncio.run_coroutine_threadsafe(later.listen(), c.loop.asyncio_loop)
time.sleep(0.5)
assert not task.done()
f = c.submit(slowinc, 1, key="slowinc-later-0")
task.result(timeout=30)
assert "Finished" in later.elapsed_time.value, later.elapsed_time.value
print("OK progress waits for keys", flush=True)

# --- A custom grouping function would have to run on the scheduler: the widget shows why it cannot.
custom = MultiProgressWidget(futures, complete=True, func=lambda k: k[:3])
c.sync(custom.listen)
assert "Exception" in custom.elapsed_time.value and "never unpickles" in custom.elapsed_time.value, custom.elapsed_time.value
print("OK custom func refused", flush=True)


# --- Any other feed gets one error reply that says why, then the comm closes.
async def other_feed():
    comm = await connect(c.scheduler.address)
    await comm.write({"op": "feed", "function": dumps(lambda dask_scheduler: 1), "interval": "10ms"})
    reply = await comm.read()
    await comm.close()
    return reply


reply = c.sync(other_feed)
assert reply["status"] == "error" and "never unpickles" in reply["text"], reply
print("OK unknown feed refused", flush=True)

# --- Requests that run Python on the scheduler reach the user as an exception saying why.
for name, call in [
    ("run_on_scheduler", lambda: c.run_on_scheduler(lambda dask_scheduler: 1)),
    ("register_scheduler_plugin", lambda: c.register_scheduler_plugin(object())),
]:
    try:
        call()
        raise AssertionError(name + " must be refused")
    except AssertionError:
        raise
    except Exception as e:
        assert "runs Python code inside the scheduler" in str(e), (name, repr(e))
assert c.submit(slowinc, 1, delay=0).result() == 2  # the client is still fine
print("OK python-on-scheduler refused", flush=True)
c.close()
