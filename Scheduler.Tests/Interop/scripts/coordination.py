# Coordination primitives against our scheduler: every request that must wait is answered later (or at its
# timeout) by the scheduler without blocking anything else; futures held by primitives stay alive.
import gc
import sys
import threading
import time

from distributed import Client, Event, Lock, MultiLock, Pub, Queue, Semaphore, Sub, Variable, get_client, wait

c = Client(sys.argv[1], timeout=30)
other = Client(sys.argv[1], timeout=30, set_as_default=False)


def inc(x):
    return x + 1


# --- Lock: contended, timeout, handed over on release.
a, b = Lock("lk"), Lock("lk")
assert a.acquire()
start = time.time()
assert b.acquire(timeout=0.2) is False
took = time.time() - start
assert 0.15 < took < 1.0, took
threading.Timer(0.3, a.release).start()
assert b.acquire(timeout=5)
b.release()
try:
    b.release()
    raise AssertionError("releasing a lock not held must fail")
except (ValueError, RuntimeError):  # 2024.12: RuntimeError("Released too often")
    pass

# Tasks serialise through a lock (metadata is the shared flag, as Dask's test_lock_sync).
def guarded(x):
    from time import sleep
    with Lock("tasks"):
        cl = get_client()
        assert cl.get_metadata("locked") is False
        cl.set_metadata("locked", True)
        sleep(0.02)
        cl.set_metadata("locked", False)
    return x

c.set_metadata("locked", False)
assert c.gather(c.map(guarded, range(6))) == list(range(6))

# --- MultiLock
ml1, ml2 = MultiLock(names=["m1", "m2"]), MultiLock(names=["m2"])
assert ml1.acquire()
assert ml2.acquire(timeout=0.1) is False
ml1.release()
assert ml2.acquire(timeout=1)
ml2.release()

# --- Semaphore
sem = Semaphore(max_leases=2, name="sem")
assert sem.acquire() and sem.acquire()
assert sem.acquire(timeout=0.1) is False
assert sem.get_value() == 2
sem.release()
assert sem.acquire(timeout=1)
sem.release()
sem.release()
assert sem.get_value() == 0

# --- Event: set by a task on a worker, awaited here.
def set_event(x):
    Event("ev").set()
    return x

ev = Event("ev")
assert ev.wait(timeout=0.1) is False
f = c.submit(set_event, 1)
assert ev.wait(timeout=10)
assert ev.is_set()
ev.clear()
assert not ev.is_set()

# --- Variable: a value, then a future that stays alive after the client drops it.
v = Variable("var")
try:
    v.get(timeout=0.1)
    raise AssertionError("get before set must time out")
except TimeoutError:
    pass
v.set(123)
assert v.get() == 123
fut = c.submit(inc, 41, key="var-future")
v.set(fut)
del fut
gc.collect()
time.sleep(0.3)
got = Variable("var", client=other).get()
assert got.result() == 42
v.delete()

# --- Queue: data and futures; queued futures keep their keys alive.
q = Queue("q", maxsize=2)
q.put(1)
qf = c.submit(inc, 1, key="queued-future")
q.put(qf)
del qf
gc.collect()
time.sleep(0.3)
assert q.qsize() == 2
try:
    q.put(3, timeout=0.1)
    raise AssertionError("put on a full queue must time out")
except TimeoutError:
    pass
assert q.get() == 1
out = Queue("q", client=other).get()
assert out.result() == 2
try:
    q.get(timeout=0.1)
    raise AssertionError("get on an empty queue must time out")
except TimeoutError:
    pass
q.put(5)
q.put(6)
assert q.get(batch=True) == [5, 6]

# --- Published datasets
data = c.scatter([10, 20])
c.publish_dataset(pair=data)
try:
    c.publish_dataset(pair=data)
    raise AssertionError("publishing twice must fail")
except KeyError:
    pass
del data
gc.collect()
time.sleep(0.3)
assert "pair" in other.list_datasets()
assert [x.result() for x in other.get_dataset("pair")] == [10, 20]
c.unpublish_dataset("pair")
assert "pair" not in other.list_datasets()

# --- Pub/Sub: client to client, worker to client.
sub = Sub("topic")
pub = Pub("topic")
time.sleep(0.2)
pub.put("hello")
assert sub.get(timeout=5) == "hello"

def publish_from_worker(n):
    from time import sleep
    p = Pub("from-worker")
    sleep(0.5)  # let the scheduler tell the publisher about the subscribing client
    for i in range(n):
        p.put(i)
    return n

wsub = Sub("from-worker")
fw = c.submit(publish_from_worker, 3)
assert [wsub.get(timeout=10) for _ in range(3)] == [0, 1, 2]
assert fw.result() == 3

other.close()
c.close()
print("OK coordination")
