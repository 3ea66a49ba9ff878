"""Usage (inside the Debian 13 chroot, Dask 2024.12.1): python3 delayed_graph_2024.py N OUT

Writes to OUT the graph_frames of the update-graph message a distributed 2024.12.1 Client sends for a
dask.delayed workload of about N tasks: N/2 calls of a __main__ function (cloudpickled, as a user's would
be) reduced pairwise by another. The frames are taken from the client's own Client.compute path (the
message is caught before it is sent), so the pickle is byte for byte what a real client produces.
OUT (little-endian): u32 frame count, per frame a u64 length and the bytes; then u32 key count, per key
(the message's keys, str) a u32 length and the UTF-8."""
import struct, sys
import dask
from distributed import Client, LocalCluster

n, out = int(sys.argv[1]), sys.argv[2]


def inc(x):
    return x + 1


def add(a, b):
    return a + b


def main():
    xs = [dask.delayed(inc)(i) for i in range(max(1, (n + 1) // 2))]
    while len(xs) > 1:
        xs = [dask.delayed(add)(xs[i], xs[i + 1]) if i + 1 < len(xs) else xs[i] for i in range(0, len(xs), 2)]
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        sent = []
        # Catch the update-graph before it reaches the scheduler: the Python scheduler would take long for
        # 100k tasks, and only the client's serialization matters here.
        client._send_to_scheduler = lambda msg: sent.append(msg)
        client.compute(xs[0])
        msg = next(m for m in sent if m.get("op") == "update-graph")
        frames = [bytes(f) for f in msg["graph_frames"]]
    with open(out, "wb") as f:
        f.write(struct.pack("<I", len(frames)))
        for fr in frames:
            f.write(struct.pack("<Q", len(fr)))
            f.write(fr)
        keys = [k.encode() for k in msg["keys"]]
        f.write(struct.pack("<I", len(keys)))
        for k in keys:
            f.write(struct.pack("<I", len(k)))
            f.write(k)
    print(f"{len(frames)} frames, {sum(map(len, frames))} bytes")


if __name__ == "__main__":
    main()
