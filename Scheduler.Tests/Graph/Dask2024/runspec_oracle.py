"""Python 2024.12.1 as the oracle for the run_specs our scheduler emits (run inside the Debian 13 chroot).

  runspec_oracle.py pack DIR    packs a corpus of collections as a 2024.12.1 client packs them for update-graph
                                (Client.compute's finalize layer, then serialize(ToPickle(hlg))): DIR/NAME.frameK.bin
  runspec_oracle.py check DIR   for every DIR/NAME.frame0.bin that has DIR/NAME.ours.json (written by the C# test:
                                our key -> run_spec pickle, its buffers, our dependencies; complete unless the graph has
                                layers we do not expand yet), materialises the graph as
                                the scheduler does (distributed.scheduler._materialize_graph: ensure_dict, then
                                convert_legacy_graph), unpickles each of our run_specs and compares it with Python's:
                                type, key, dependencies and dask token. Prints one JSON object per graph, and
                                one for DIR/runspecs (run_specs Python's scheduler sent, see check_python_run_specs).

The graphs are only ever unpickled here, by Python, never by the scheduler.
"""
import json
import os
import pickle
import sys

import dask
import numpy as np
from dask.highlevelgraph import HighLevelGraph


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def total(xs, scale=1):
    return sum(xs) * scale


def pair(a, b):
    return {"a": a, "b": b}


def corpus():
    """name -> collections, each as a user would build them (delayed, arrays and bags with default optimisation)."""
    import dask.array as da
    import dask.bag as db
    from dask import delayed

    cases = {}
    a = delayed(inc)(1)
    b = delayed(add)(a, 10)
    cases["delayed_chain"] = [b]
    level = [delayed(inc)(i, dask_key_name=("leaf", i)) for i in range(8)]
    while len(level) > 1:
        level = [delayed(add)(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    cases["delayed_tuple_key_tree"] = [level[0]]
    parts = [delayed(inc)(i) for i in range(5)]
    cases["delayed_nested_args"] = [delayed(total)(parts, scale=delayed(inc)(2)),
                                    delayed(pair)([parts[0], {"k": parts[1]}], (parts[2], 3))]
    cases["delayed_numpy_argument"] = [delayed(np.sum)(delayed(np.multiply)(np.arange(10_000.0), 2))]
    cases["delayed_impure_and_named"] = [delayed(inc, pure=False)(5), delayed(inc)(6, dask_key_name="named-6")]
    x = da.random.RandomState(42).random((40, 40), chunks=(10, 10))
    cases["array_transpose_mean"] = [(x + x.T).mean(axis=0)]
    cases["array_matmul_sum"] = [(x @ x.T).sum()]
    cases["array_slice_rechunk"] = [x[5:35, ::2].rechunk((15, 5)) * 2]
    cases["array_from_numpy"] = [da.from_array(np.arange(100.0).reshape(10, 10), chunks=5).std()]
    cases["bag_map_sum"] = [db.from_sequence(range(20), npartitions=4).map(inc).filter(lambda v: v % 3).sum()]
    return cases


def pack(out):
    """As distributed.client.Client.compute and Client._graph_to_futures at 2024.12.1."""
    from dask._task_spec import Task
    from dask.base import collections_to_dsk, tokenize
    from distributed.client import _convert_dask_keys, single_key
    from distributed.protocol import serialize
    from distributed.protocol.serialize import ToPickle

    os.makedirs(out, exist_ok=True)
    for name, variables in corpus().items():
        dsk = collections_to_dsk(variables, True)
        names = ["finalize-%s" % tokenize(v) for v in variables]
        dsk2 = {}
        for i, (fname, v) in enumerate(zip(names, variables)):
            func, extra_args = v.__dask_postcompute__()
            keys = v.__dask_keys__()
            if func is single_key and len(keys) == 1 and not extra_args:
                names[i] = keys[0]
            else:
                t = Task(fname, func, _convert_dask_keys(keys), *extra_args)
                dsk2[t.key] = t
        if not isinstance(dsk, HighLevelGraph):
            dsk = HighLevelGraph.from_collections(id(dsk), dsk, dependencies=())
        finalize_name = tokenize(names)
        layers = {finalize_name: dsk2}
        layers.update(dsk.layers)
        dependencies = {finalize_name: set(dsk.layers.keys())}
        dependencies.update(dsk.dependencies)
        hlg = HighLevelGraph(layers, dependencies)
        header, frames = serialize(ToPickle(hlg), on_error="raise")
        assert header["serializer"] == "pickle", header
        for k, f in enumerate(frames):
            with open(os.path.join(out, f"{name}.frame{k}.bin"), "wb") as fh:
                fh.write(bytes(f))


def internal(key):
    """The scheduler's name for a key: a str as it is, a tuple key as its repr."""
    return key if isinstance(key, str) else str(key)


def frames_of(d, name):
    frames, k = [], 0
    while os.path.exists(os.path.join(d, f"{name}.frame{k}.bin")):
        with open(os.path.join(d, f"{name}.frame{k}.bin"), "rb") as fh:
            frames.append(fh.read())
        k += 1
    return frames


def stable_function_tokens():
    """dask tokenizes a function pickled by value (defined in a client's __main__) by pickling it again, and when
    that is not reproducible, with a random token: two unpickles of one graph then differ (Python against itself).
    Here a plain function is tokenized by what it is instead: module, name, bytecode, constants, defaults and
    closure; everything else keeps dask's own normalisation."""
    import types
    from dask.tokenize import normalize_token

    def code_token(c):
        return (c.co_name, c.co_code, tuple(code_token(k) if isinstance(k, types.CodeType) else normalize_token(k)
                                            for k in c.co_consts), c.co_names)

    @normalize_token.register(types.FunctionType)
    def _function(f):
        closure = tuple(normalize_token(cell.cell_contents) for cell in f.__closure__ or ())
        return ("function", f.__module__, f.__qualname__, code_token(f.__code__),
                normalize_token(f.__defaults__), normalize_token(f.__kwdefaults__), closure)


def check(d):
    from dask.tokenize import tokenize
    from distributed.scheduler import _materialize_graph

    stable_function_tokens()

    for ours_file in sorted(f for f in os.listdir(d) if f.endswith(".ours.json")):
        name = ours_file[: -len(".ours.json")]
        with open(os.path.join(d, ours_file)) as fh:
            ours = json.load(fh)
        frames = frames_of(d, name)
        hlg = pickle.loads(frames[0], buffers=frames[1:]).data
        dsk, deps, _ = _materialize_graph(hlg, {}, False, set())
        py = {internal(k): k for k in dsk}
        mismatches = []
        if ours["complete"]:  # else the graph has layers we do not expand yet: compare the tasks we have
            for key in sorted(set(py) - set(ours["tasks"])):
                mismatches.append(f"{key}: Python has it, we do not")
        checked = 0
        for key, mine in ours["tasks"].items():
            if key not in py:
                mismatches.append(f"{key}: we have it, Python does not")
                continue
            bufs = []
            for b in mine["buffers"]:
                with open(os.path.join(d, b), "rb") as fh:
                    bufs.append(fh.read())
            with open(os.path.join(d, mine["pickle"]), "rb") as fh:
                spec = pickle.loads(fh.read(), buffers=bufs)
            ref = dsk[py[key]]
            checked += 1
            if type(spec) is not type(ref):
                mismatches.append(f"{key}: type {type(spec).__name__}, Python {type(ref).__name__}")
                continue
            if spec.key != ref.key:
                mismatches.append(f"{key}: run_spec key {spec.key!r}, Python {ref.key!r}")
            if set(spec.dependencies) != set(ref.dependencies):
                mismatches.append(f"{key}: run_spec dependencies {sorted(map(internal, spec.dependencies))}, "
                                  f"Python {sorted(map(internal, ref.dependencies))}")
            want = sorted(internal(k) for k in deps[py[key]])
            if sorted(mine["dependencies"]) != want:
                mismatches.append(f"{key}: our dependencies {sorted(mine['dependencies'])}, Python {want}")
            if tokenize(spec) != tokenize(ref):
                mismatches.append(f"{key}: token differs ({spec!r} against Python's {ref!r})")
        print(json.dumps({"graph": name, "python_tasks": len(py), "checked": checked,
                          "mismatches": mismatches[:20],
                          "mismatch_count": len(mismatches)}), flush=True)
    if os.path.isdir(os.path.join(d, "runspecs")):
        check_python_run_specs(d)


def check_python_run_specs(d):
    """DIR/runspecs/*.pkl are run_specs Python's scheduler sent to a worker (compute-task) for the captured graphs:
    each is compared with the run_spec we emit for that key. A pickle captured without its out-of-band buffers cannot
    be loaded, and a key of a layer we do not expand yet has no run_spec of ours: both are counted, not compared."""
    from dask.tokenize import tokenize

    mine = {}
    for f in os.listdir(d):
        if f.startswith("capture_") and f.endswith(".ours.json"):
            with open(os.path.join(d, f)) as fh:
                mine.update(json.load(fh)["tasks"])
    folder = os.path.join(d, "runspecs")
    checked = unloadable = not_ours = 0
    mismatches = []
    for f in sorted(os.listdir(folder)):
        with open(os.path.join(folder, f), "rb") as fh:
            data = fh.read()
        try:
            ref = pickle.loads(data)
        except pickle.UnpicklingError as e:
            if "buffer" not in str(e):
                raise
            unloadable += 1
            continue
        key = internal(ref.key)
        if key not in mine:
            not_ours += 1
            continue
        bufs = []
        for b in mine[key]["buffers"]:
            with open(os.path.join(d, b), "rb") as fh:
                bufs.append(fh.read())
        with open(os.path.join(d, mine[key]["pickle"]), "rb") as fh:
            spec = pickle.loads(fh.read(), buffers=bufs)
        checked += 1
        if type(spec) is not type(ref) or spec.key != ref.key or set(spec.dependencies) != set(ref.dependencies) \
                or tokenize(spec) != tokenize(ref):
            mismatches.append(f"{f} ({key}): ours {spec!r} (deps {sorted(map(internal, spec.dependencies))}), "
                              f"Python sent {ref!r} (deps {sorted(map(internal, ref.dependencies))})")
    print(json.dumps({"graph": "python_run_specs", "checked": checked, "unloadable": unloadable, "not_ours": not_ours,
                      "mismatches": mismatches[:20], "mismatch_count": len(mismatches)}), flush=True)


if __name__ == "__main__":
    {"pack": pack, "check": check}[sys.argv[1]](sys.argv[2])
