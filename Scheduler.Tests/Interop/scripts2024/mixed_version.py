# One side of a mixed cluster (run by a 2022.12.1 client on the host, or a 2024.12.1 one in the chroot, at the
# same time against one scheduler): every task must land on a worker of this client's own Dask version, with
# right results. Prints "OK mixed <version> <tasks>".
#   python3 mixed_version.py ADDRESS
import sys, time
import distributed
from distributed import Client, get_worker

def where(i):
    time.sleep(0.01)
    return (distributed.__version__, get_worker().address, i * i)

def total(xs):
    return sum(x[2] for x in xs)

mine = distributed.__version__
with Client(sys.argv[1], timeout=30) as c:
    futs = c.map(where, range(60))
    got = c.gather(futs)
    assert all(v == mine for v, _, _ in got), {v for v, _, _ in got}
    assert [sq for _, _, sq in got] == [i * i for i in range(60)]
    assert c.submit(total, futs).result() == sum(i * i for i in range(60))
    data = c.scatter(list(range(10)))
    assert c.gather(c.map(lambda x: x + 1, data)) == list(range(1, 11))
    print("OK mixed", mine, len(got), len({a for _, a, _ in got}))
