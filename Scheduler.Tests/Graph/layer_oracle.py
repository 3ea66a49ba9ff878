#!/usr/bin/python3
"""Differential oracle for our layer expansion (Scheduler.Core/Graph/Layers).

    layer_oracle.py pack OUTDIR      build real collections, pack them exactly as a Client does, and write for
                                     each case: <case>.msg (the framed update-graph-hlg message, as on the
                                     wire) and <case>.oracle.json (what Dask's own scheduler-side unpacker
                                     makes of it: keys, dependencies, canonical task values, annotations)
    layer_oracle.py canon FILE.msg   decode a framed message {"dsk": {key: spec}} (ours) and print the
                                     canonical form of every spec, as JSON

The canonical form deserialises everything (client objects, pickles) and describes values structurally,
so the scheduler-written pickles (ours vs Python's) compare equal when they mean the same object.
"""
import functools, json, os, pickle, re, struct, sys, tempfile

import dask
import numpy as np
import pandas as pd
import dask.array as da
import dask.dataframe as dd
from dask.highlevelgraph import HighLevelGraph
from dask.base import collections_to_dsk
from distributed.protocol import dumps, loads
from distributed.protocol.serialize import Serialize, Serialized, deserialize


def frame(frames):
    frames = [f if isinstance(f, bytes) else memoryview(f).tobytes() for f in frames]
    out = [struct.pack("<Q", len(frames))] + [struct.pack("<Q", len(f)) for f in frames]
    body = b"".join(out) + b"".join(bytes(f) for f in frames)
    return struct.pack("<Q", len(body)) + body


def unframe(data):
    total, n = struct.unpack_from("<QQ", data, 0)
    lens = struct.unpack_from("<%dQ" % n, data, 16)
    off, frames = 16 + 8 * n, []
    for ln in lens:
        frames.append(data[off:off + ln]); off += ln
    return frames


def canon(x):
    while isinstance(x, (Serialize, Serialized)):
        x = x.data if isinstance(x, Serialize) else deserialize(x.header, x.frames)
    t = type(x)
    if t is tuple:
        return ["T"] + [canon(v) for v in x]
    if t is list:
        return ["L"] + [canon(v) for v in x]
    if t is dict:
        return ["D"] + [[canon(k), canon(v)] for k, v in x.items()]
    if t is bytes:
        return ["B", x.hex()]
    if t is slice:
        return ["slice", canon(x.start), canon(x.stop), canon(x.step)]
    if t.__name__ == "CallableLazyImport":
        return ["lazy", x.function_path]
    if t.__name__ == "SubgraphCallable":
        return ["sgc", x.name, repr(x.outkey), [str(k) for k in x.inkeys]]
    if t.__name__ == "Compose":
        return ["compose", canon(x.first), canon(tuple(x.funcs))]
    if isinstance(x, functools.partial):
        return ["partial", canon(x.func), canon(x.args), canon(dict(x.keywords))]
    if isinstance(x, (pd.DataFrame, pd.Series, pd.Index)):
        return ["pd", type(x).__name__, repr(list(getattr(x, "columns", [getattr(x, "name", None)]))), len(x)]
    if isinstance(x, np.ndarray):
        return ["np", str(x.dtype), list(x.shape), x.tobytes().hex()[:64]]
    if callable(x):
        return ["fn", getattr(x, "__module__", "?"), getattr(x, "__qualname__", None) or re.sub(r" at 0x[0-9a-f]+", "", repr(x))]
    if x is None or t in (str, int, float, bool):
        return x
    return ["repr", t.__name__, re.sub(r" at 0x[0-9a-f]+", "", repr(x))[:200]]


def spec(v):
    """A stored task spec: function/args/kwargs map, or one serialized object."""
    if isinstance(v, dict) and "function" in v:
        def load(b):
            if isinstance(b, (bytes, bytearray)):
                return pickle.loads(b)
            return b
        return ["task", canon(load(v["function"])), canon(load(v.get("args"))), canon(load(v.get("kwargs")))]
    return ["obj", canon(v)]


class FakeClient:
    futures = {}


def cases(tmp):
    ts = dask.datasets.timeseries(start="2000-01-01", end="2000-01-04", freq="60s", seed=1)
    pdf = pd.DataFrame({"k": np.arange(40) % 7, "v": np.arange(40.0)})
    left = dd.from_pandas(pdf, npartitions=4)
    right = dd.from_pandas(pd.DataFrame({"k": np.arange(7), "w": np.arange(7) * 10}), npartitions=2)
    for i in range(3):
        pd.DataFrame({"a": np.arange(5) % 3 + i, "b": np.arange(5.0)}).to_csv(os.path.join(tmp, f"part{i}.csv"), index=False)
    csv = dd.read_csv(os.path.join(tmp, "part*.csv"))
    yield "df_len", [ts], {}
    yield "df_groupby_mean", [ts.groupby("name")["x"].mean()], {}
    yield "df_filter", [ts[(ts["x"] > 0) | (ts["y"] < 0)]], {}
    yield "shuffle_tasks", [ts.shuffle("id", shuffle="tasks").x.sum()], {}
    yield "shuffle_two_stage", [ts.shuffle("id", shuffle="tasks", max_branch=2).x.sum()], {}
    yield "set_index", [ts.set_index("id", shuffle="tasks").x.sum()], {}
    yield "hash_join", [left.merge(right, on="k", shuffle="tasks")], {}
    yield "bcast_inner", [left.merge(right, on="k", broadcast=True, shuffle="tasks")], {}
    yield "bcast_left", [left.merge(right, on="k", how="left", broadcast=True, shuffle="tasks")], {}
    yield "groupby_split_out", [csv.groupby("a").b.sum(split_out=2)], {}
    yield "groupby_split_out_noshuffle", [csv.groupby("a").b.sum(split_out=2, shuffle=False)], {}
    yield "read_csv", [csv], {}
    yield "from_pandas_map", [left.map_partitions(lambda d: d + 1)], {}
    with dask.config.set({"optimization.fuse.active": False}):
        x = da.random.RandomState(0).random((40, 40), chunks=(20, 20))
        yield "arr_add_t_mean", [(x + x.T).mean()], {}
        yield "arr_matmul", [x @ x.T], {}
        yield "arr_drop_axis", [x.map_blocks(lambda b: b.sum(axis=1), drop_axis=1, dtype=float)], {}
        yield "arr_overlap", [x.map_overlap(lambda b: b + 1, depth=1)], {}
        yield "arr_ones_sum", [da.ones((40, 40), chunks=(20, 20)).sum()], {}
        yield "arr_tensordot", [da.tensordot(x, x, axes=1)], {}


def pack(outdir):
    tmp = tempfile.mkdtemp()
    names = []
    for name, colls, opts in cases(tmp):
        # exactly the client's path: optimise, pack, send
        dsk = collections_to_dsk(colls, True)
        if not isinstance(dsk, HighLevelGraph):
            dsk = HighLevelGraph.from_collections(id(dsk), dsk, dependencies=())
        keys = set()
        for c in colls:
            keys |= set(dask.core.flatten(c.__dask_keys__()))
        packed = dsk.__dask_distributed_pack__(FakeClient(), keys, {})
        frames = dumps({"op": "update-graph-hlg", "hlg": packed}, context={"sender": {}, "recipient": {}})
        with open(os.path.join(outdir, name + ".msg"), "wb") as f:
            f.write(frame(frames))
        # what Dask's scheduler makes of the message it received
        msg = loads(frames, deserialize=False)
        unpacked = HighLevelGraph.__dask_distributed_unpack__(msg["hlg"])
        oracle = {
            "layers": [l["__name__"] for l in msg["hlg"]["layers"]],
            "tasks": {k: {"deps": sorted(unpacked["deps"].get(k, ())), "spec": spec(v)} for k, v in unpacked["dsk"].items()},
            "annotations": {a: {k: canon(v) for k, v in kv.items()} for a, kv in unpacked["annotations"].items()},
        }
        with open(os.path.join(outdir, name + ".oracle.json"), "w") as f:
            json.dump(oracle, f)
        names.append(name)
    print(json.dumps(names))


def canon_file(path):
    data = open(path, "rb").read()
    msg = loads(unframe(data), deserialize=True)
    print(json.dumps({k: spec(v) for k, v in msg["dsk"].items()}))


if __name__ == "__main__":
    if sys.argv[1] == "pack":
        pack(sys.argv[2])
    else:
        canon_file(sys.argv[2])
