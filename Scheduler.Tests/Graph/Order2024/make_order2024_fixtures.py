#!/usr/bin/python3
"""Differential fixtures for Scheduler.Core.Graph.Order2024 (port of dask.order.order, dask 2024.12.1).

Run inside the Debian 13 chroot (python3-dask 2024.12.1), from the repository root:

    R=/var/cache/dask-scheduler-ci/trixie
    mkdir -p $R/tmp/order2024 && cp -r Scheduler.Tests/Graph/Order2024/make_order2024_fixtures.py \
        Scheduler.Tests/Graph/OrderFixtures $R/tmp/order2024/
    TRIXIE_ROOT=$R sh /work/shared/peer-tests-2024/trixie-chroot.sh run \
        python3 /tmp/order2024/make_order2024_fixtures.py /tmp/order2024/OrderFixtures /tmp/order2024/out
    cp $R/tmp/order2024/out/*.json.gz Scheduler.Tests/Graph/Order2024/Fixtures/

Every graph is given to order() the way 2024.12.1's scheduler does: a dict of GraphNodes (Task with TaskRef
arguments, DataNode), whose own dependencies order() reads (it ignores its `dependencies` argument); a
dependency outside dsk is an external key. Legacy non-task values with dependencies (lists of keys, which
test_order.py uses for da.store-like aliases) are kept as such lists.

Two oracles per graph, each run in fresh interpreters under several PYTHONHASHSEED values:

* "dask": dask.order.order itself; kept only when every seed gives the same answer (else null).
* "graph_order": dask.order.order with the set iterations whose order changes the result made to go by
  ascending position (keys, then external keys, in fixture order), patched into the installed source at run
  time. It must not depend on the seed (checked) and equals "dask" where that is stable (checked, reported).

The corpus: the graphs of the 2022.12.1 fixtures (Scheduler.Tests/Graph/OrderFixtures: random DAGs, trees,
components, special shapes, dask.array/dataframe/bag/delayed graphs, protocol captures, test_order graphs),
some of them again with data roots and external keys; dask 2024.12.1 collections (their real GraphNodes);
graphs recorded from 2024.12.1's own dask/tests/test_order.py; and shapes for what is new in 2024 (shared data
roots, alias leaves, external keys, a deep chain). For collections and test_order graphs the script checks that
the rebuilt graph orders like the original values.

JSON per graph: name, keys (str(key); bytes keys as U+E000 + Latin-1), deps (index lists; an index >= len(keys)
names external[index - len(keys)]), data (indices whose value is not a task), external, dask, dask_variants,
graph_order.
"""
import glob
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile

import dask
import dask.order
from dask._task_spec import DataNode, DependenciesMapping, Task, TaskRef
from dask.core import istask

HASH_SEEDS = ["0", "1", "2", "3", "4", "5"]
BYTES_MARKER = "\ue000"


def _f(*args):
    return None


# --------------------------------------------------------------------------------------------- oracles

PATCHES = [
    # the leaves and roots snapshotted while normalizing
    ("        for leaf in list(leaf_nodes):\n",
     "        for leaf in sorted(leaf_nodes, key=_IDX.__getitem__):\n"),
    ("        for root in list(root_nodes):\n",
     "        for root in sorted(root_nodes, key=_IDX.__getitem__):\n"),
    # the data tasks a task requires
    ("                add_to_result(requires_data_task[item].pop())\n",
     "                add_to_result(_popmin(requires_data_task[item]))\n"),
    # the dependents of a task just run (order of runnable)
    ("            for dep in dependents.get(item, ()):\n",
     "            for dep in sorted(dependents.get(item, ()), key=_IDX.__getitem__):\n"),
    # use_longest_path's symmetry check
    ("            for r in root_nodes:\n                if not size:\n",
     "            for r in sorted(root_nodes, key=_IDX.__getitem__):\n                if not size:\n"),
    # the dependencies pushed while building a critical path
    ("            next_deps = dependencies[item].difference(result)\n            path_extend(next_deps)\n",
     "            next_deps = dependencies[item].difference(result)\n            path_extend(sorted(next_deps, key=_IDX.__getitem__))\n"),
]


def patched_order_module():
    src = open(dask.order.__file__).read()
    for old, new in PATCHES:
        assert src.count(old) == 1, old
        src = src.replace(old, new)
    ns = {"__name__": "dask_order_graph_order"}
    exec(compile(src, "dask/order.py (graph order)", "exec"), ns)

    def popmin(s):
        m = min(s, key=ns["_IDX"].__getitem__)
        s.remove(m)
        return m

    ns["_popmin"] = popmin
    return ns


def decode_key(k):
    return k[1:].encode("latin-1") if k.startswith(BYTES_MARKER) else k


def encode_key(k):
    if isinstance(k, bytes):
        return BYTES_MARKER + k.decode("latin-1")
    return k if isinstance(k, str) else str(k)


def build(g):
    keys = [decode_key(k) for k in g["keys"]]
    ext = [decode_key(k) for k in g["external"]]
    allk = keys + ext
    data = set(g["data"])
    dsk = {}
    for i, k in enumerate(keys):
        ds = [allk[j] for j in g["deps"][i]]
        if i in data:
            dsk[k] = list(ds) if ds else DataNode(k, i)
        else:
            dsk[k] = Task(k, _f, *(TaskRef(d) for d in ds))
    return keys, allk, dsk


def child_main(in_path, out_path):
    graphs = json.load(open(in_path))
    ns = patched_order_module()
    out = []
    for g in graphs:
        keys, allk, dsk = build(g)
        o = dask.order.order(dsk)
        ns["_IDX"] = {k: i for i, k in enumerate(allk)}
        p = ns["order"](dsk)
        out.append({"dask": [o[k] for k in keys], "graph_order": [p[k] for k in keys]})
    json.dump(out, open(out_path, "w"))


# --------------------------------------------------------------------------------------------- corpus

GRAPHS = []  # (group, name, fixture dict without oracles)


def add(group, name, keys, deps, data=(), external=()):
    keys = [encode_key(k) for k in keys]
    assert len(set(keys)) == len(keys), name
    GRAPHS.append((group, name, {"keys": keys, "deps": [sorted(set(d)) for d in deps],
                                 "data": sorted(set(data)), "external": [encode_key(k) for k in external]}))


def from_dsk(group, name, dsk, check=True):
    """A real dsk (GraphNodes or legacy values) -> fixture; checks the rebuilt graph orders the same."""
    deps_map = DependenciesMapping(dsk)
    keys = list(dsk)
    skeys = [encode_key(k) for k in keys]
    if len(set(skeys)) != len(skeys):
        return
    index = {k: i for i, k in enumerate(keys)}
    external, deps, data = [], [], []
    for i, k in enumerate(keys):
        ds = []
        for d in deps_map[k]:
            if d not in index:
                index[d] = len(keys) + len(external)
                external.append(d)
            ds.append(index[d])
        if not istask(dsk[k]):
            if any(j >= len(keys) for j in ds):
                return  # a legacy non-task naming an external key: not expressible as a rebuilt value
            data.append(i)
        deps.append(ds)
    add(group, name, keys, deps, data, external)
    if check:
        _, allk, rebuilt = build(GRAPHS[-1][2])
        ns = patched_order_module()
        ns["_IDX"] = {k: i for i, k in enumerate(list(dsk) + external)}
        a = ns["order"](dsk)
        ns["_IDX"] = {k: i for i, k in enumerate(allk)}
        b = ns["order"](rebuilt)
        assert [a[k] for k in keys] == [b[decode_key(encode_key(k))] for k in keys], name


def reused_2022(fixture_dir):
    """The graphs of the 2022 fixtures; random/small/special ones again with data roots and external keys."""
    rng = random.Random(2024)
    for path in sorted(glob.glob(os.path.join(fixture_dir, "*.json.gz"))):
        group = os.path.basename(path)[: -len(".json.gz")]
        for g in json.load(gzip.open(path, "rt")):
            if len(g["keys"]) > 13000:
                continue
            add("r2022-" + group, g["name"], g["keys"], g["deps"])
            if group in ("random", "small", "special", "test_order", "delayed") and len(g["keys"]) <= 5000:
                variant_data_external(rng, "r2022v-" + group, g["name"], g["keys"], g["deps"])


def variant_data_external(rng, group, name, keys, deps):
    n = len(keys)
    dependents = [[] for _ in range(n)]
    for i, ds in enumerate(deps):
        for j in ds:
            dependents[j].append(i)
    roots = [i for i in range(n) if not deps[i]]
    ext_roots = set(r for r in roots if dependents[r] and rng.random() < 0.25)
    data_roots = set(r for r in roots if r not in ext_roots and rng.random() < 0.5)
    if not ext_roots and not data_roots:
        return
    keep = [i for i in range(n) if i not in ext_roots]
    if not keep:
        return
    pos = {i: p for p, i in enumerate(keep)}
    ext = sorted(ext_roots, key=lambda r: rng.random())
    epos = {r: len(keep) + p for p, r in enumerate(ext)}
    ndeps = [[pos[j] if j in pos else epos[j] for j in deps[i]] for i in keep]
    add(group, name + "-dx", [keys[i] for i in keep], ndeps, [pos[r] for r in data_roots], [keys[r] for r in ext])


def collections_2024():
    import dask.array as da
    import dask.bag as db
    import numpy as np
    import pandas as pd
    from dask import delayed
    from dask._task_spec import convert_legacy_graph
    from dask.base import collections_to_dsk

    def add_coll(group, name, *colls, optimize=True, drop_roots=0.0):
        dsk = convert_legacy_graph(dict(collections_to_dsk(colls, optimize_graph=optimize)))
        if drop_roots:
            # as if some inputs were already held by the scheduler (persisted): external keys
            r = random.Random(name)
            for k in [k for k, v in dsk.items() if not v.dependencies]:
                if r.random() < drop_roots:
                    del dsk[k]
        from_dsk(group, name, dsk)

    import warnings
    warnings.simplefilter("ignore")
    rs = da.random.RandomState(42)
    x = rs.random((400, 400), chunks=(100, 100))
    y = rs.random((1200, 1200), chunks=(100, 100))
    add_coll("c2024-array", "x_plus_xT_mean", (x + x.T).mean())
    add_coll("c2024-array", "x_plus_xT_mean_unoptimized", (x + x.T).mean(), optimize=False)
    add_coll("c2024-array", "x_plus_xT_mean_144", (y + y.T).mean())
    add_coll("c2024-array", "matmul_144", y @ y.T)
    add_coll("c2024-array", "matmul_sum", (y @ y.T).sum())
    add_coll("c2024-array", "map_overlap", x.map_overlap(lambda b: b + 1, depth=1, boundary="reflect"))
    add_coll("c2024-array", "map_overlap_unopt", y.map_overlap(lambda b: b + 1, depth=2, boundary="none"), optimize=False)
    z = rs.random((600, 600), chunks=(50, 50))
    s = z
    for _ in range(6):
        s = s.map_overlap(lambda b: b * 0.5, depth=1, boundary="periodic")
    add_coll("c2024-array", "stacked_map_overlap_6", s.sum())
    add_coll("c2024-array", "rechunk_sum", y.rechunk((40, 700)).sum())
    add_coll("c2024-array", "tensordot", da.tensordot(y, y.T, axes=1))
    add_coll("c2024-array", "sum_axis1_split", y.sum(axis=1, split_every=3))
    add_coll("c2024-array", "mean_std", y.mean(axis=0), y.std(axis=1))
    add_coll("c2024-array", "cumsum", y.cumsum(axis=0))
    add_coll("c2024-array", "svd_tsqr", *da.linalg.tsqr(rs.random((2000, 20), chunks=(100, 20))))
    add_coll("c2024-array", "from_array_ops", (da.from_array(np.arange(4000.0).reshape(40, 100), chunks=(10, 10)) * 2).sum(axis=0))
    add_coll("c2024-array", "persisted_inputs", (y + y.T).mean(axis=0), drop_roots=0.5)
    big = rs.random((1600, 1600), chunks=(40, 40))
    add_coll("c2024-array", "big_transpose_add_mean", (big + big.T).mean(axis=0))
    A, B = 20, 99
    xx = da.random.normal(size=(A, B), chunks=(1, None))
    for _ in range(2):
        yy = (xx[:, None, :] * xx[:, :, None]).cumsum(axis=0)
        xx = xx.cumsum(axis=0)
    add_coll("c2024-array", "gh3055", (yy * xx[:, None]).sum(axis=(1, 2)))

    import dask.dataframe as dd
    df = dask.datasets.timeseries(start="2000-01-01", end="2000-02-01", freq="1h", partition_freq="1d", seed=1)
    add_coll("c2024-dataframe", "timeseries_groupby_mean", df.groupby("name")["x"].mean())
    add_coll("c2024-dataframe", "timeseries_groupby_split_out", df.groupby("name").x.sum(split_out=4))
    add_coll("c2024-dataframe", "shuffle_tasks", df.shuffle("id", shuffle_method="tasks").x.sum())
    pa = pd.DataFrame({"k": np.arange(400) % 37, "a": np.arange(400)})
    pb = pd.DataFrame({"k": np.arange(300) % 41, "b": np.arange(300)})
    da_, db_ = dd.from_pandas(pa, npartitions=8), dd.from_pandas(pb, npartitions=6)
    add_coll("c2024-dataframe", "merge_tasks", da_.merge(db_, on="k", shuffle_method="tasks"))
    add_coll("c2024-dataframe", "merge_left_sum", da_.merge(db_, on="k", how="left", shuffle_method="tasks").a.sum())
    add_coll("c2024-dataframe", "rolling_describe", df.x.rolling(5).mean().describe())

    b = db.from_sequence(range(5000), npartitions=40)
    add_coll("c2024-bag", "foldby", b.foldby(lambda v: v % 7, lambda acc, v: acc + v, 0, lambda p, q: p + q, 0))
    add_coll("c2024-bag", "frequencies", b.map(lambda v: v % 13).frequencies())
    add_coll("c2024-bag", "groupby_tasks", b.groupby(lambda v: v % 11, shuffle="tasks").count())

    def inc(v):
        return v + 1

    def addf(u, v):
        return u + v

    for leaves in (8, 100, 1000):
        level = [delayed(inc, pure=True)(j) for j in range(leaves)]
        while len(level) > 1:
            level = [delayed(addf, pure=True)(level[j], level[j + 1]) if j + 1 < len(level) else level[j]
                     for j in range(0, len(level), 2)]
        add_coll("c2024-delayed", "binary_tree_%d" % leaves, level[0])
    items = [delayed(inc, pure=True)(j) for j in range(50)]
    pairs = [delayed(addf, pure=True)(items[j], items[(j * 7) % 50]) for j in range(50)]
    add_coll("c2024-delayed", "pairs_sum", delayed(sum)(pairs))
    # delayed with shared literal inputs (DataNodes used by several tasks: requires_data_task)
    shared = delayed(np.arange(10), pure=True)
    outs = [delayed(addf, pure=True)(shared, j) for j in range(30)]
    add_coll("c2024-delayed", "shared_data", delayed(sum)(outs))


def harvest_test_order():
    """Graphs from 2024.12.1's dask/tests/test_order.py, recorded at their order() calls."""
    import dask.tests.test_order as T

    recorded = []
    original = dask.order.order

    def recorder(dsk, dependencies=None, **kw):
        recorded.append(dict(dsk))
        return original(dsk, dependencies=dependencies, **kw)

    T.order = recorder
    dask.order.order = recorder
    try:
        for name in sorted(dir(T)):
            if not name.startswith("test_"):
                continue
            fn = getattr(T, name)
            params = list(getattr(fn, "__code__").co_varnames[: fn.__code__.co_argcount]) if hasattr(fn, "__code__") else []
            argsets = [()]
            if params == ["abcde"]:
                argsets = [("abcde",), ("edcba",)]
            elif params:
                continue
            for args in argsets:
                before = len(recorded)
                try:
                    fn(*args)
                except BaseException:
                    pass
                for j, dsk in enumerate(recorded[before:]):
                    try:
                        ok = len(dask.order.ndependencies(*_deps_and_dependents(dsk))[1]) == len(dsk)
                    except Exception:
                        ok = False
                    if not ok:
                        continue  # cycles
                    try:
                        from_dsk("test_order", "%s%s-%d" % (name, "-" + args[0] if args else "", j), dsk)
                    except AssertionError:
                        raise
                    except Exception:
                        pass
    finally:
        dask.order.order = original


def _deps_and_dependents(dsk):
    from dask.core import reverse_dict
    deps = {k: set(v) for k, v in DependenciesMapping(dsk).items()}
    for k in list(deps):
        for d in deps[k]:
            deps.setdefault(d, set())
    return deps, reverse_dict(deps)


def shapes_2024():
    rng = random.Random(11)
    g = "shapes"
    # a deep chain (no recursion anywhere)
    n = 20000
    add(g, "chain-20000", ["c-%d" % i for i in range(n)], [[i - 1] if i else [] for i in range(n)])
    # shared data roots: several literals each feeding many tasks, tasks needing several of them
    for w in (3, 10, 40):
        keys = ["lit-%d" % j for j in range(5)] + ["t-%d" % j for j in range(w)] + ["sum"]
        deps = [[] for _ in range(5)] + [rng.sample(range(5), rng.randint(1, 4)) for _ in range(w)] + [list(range(5, 5 + w))]
        add(g, "shared-data-%d" % w, keys, deps, data=range(5))
    # a data root with exactly one dependent stays in the graph
    add(g, "data-one-dependent", ["d", "t", "u"], [[], [0], [1]], data=[0])
    # alias leaves (legacy lists): several, chained, and a leaf that becomes an alias leaf after removal
    for w in (2, 5, 30):
        keys, deps, data = [], [], []
        for j in range(w):
            keys += ["x-%d" % j, "y-%d" % j]
            deps += [[], [len(keys) - 2]]
        for a in range(3):
            keys.append("alias-%d" % a)
            deps.append(rng.sample([i for i in range(len(keys) - 1) if keys[i].startswith("y")], min(w, 2 + a)))
            data.append(len(keys) - 1)
        keys.append("alias-top")
        deps.append([len(keys) - 2, len(keys) - 3])
        data.append(len(keys) - 1)
        add(g, "alias-leaves-%d" % w, keys, deps, data=data)
    # external keys with one and with several dependents
    for w in (1, 2, 7):
        keys = ["t-%d" % j for j in range(w)] + ["final"]
        deps = [[w + 1, w + 2 + (j % 2)] for j in range(w)] + [list(range(w))]
        add(g, "external-%d" % w, keys, deps, external=["held-a", "held-b", "held-c"])
    # wide fan-out and fan-in, disconnected components
    for w in (50, 500, 3000):
        keys = ["src"] + ["m-%d" % j for j in range(w)] + ["sink"]
        deps = [[]] + [[0] for _ in range(w)] + [list(range(1, w + 1))]
        add(g, "fan-%d" % w, keys, deps)
    keys, deps = [], []
    for c in range(300):
        size = rng.randint(1, 6)
        base = len(keys)
        for j in range(size):
            keys.append("comp%d-%d" % (c, j))
            deps.append(rng.sample(range(base, base + j), rng.randint(0, j)) if j else [])
    add(g, "components-300", keys, deps, data=[i for i in range(len(keys)) if not deps[i] and rng.random() < .3])
    # random layered DAGs with data roots and external keys
    for t in range(60):
        n = rng.randint(5, 400)
        keys = ["%s-%d" % (rng.choice(["load", "proc", "agg"]), i) for i in range(n)]
        deps = []
        for i in range(n):
            c = 0 if i < 3 else rng.choice([0, 1, 1, 2, 2, 3, 4])
            lo = max(0, i - rng.choice([3, 10, 50, i or 1]))
            deps.append([rng.randint(lo, i - 1) for _ in range(c)] if i else [])
        ext = ["ext-%d" % j for j in range(rng.randint(0, 4))]
        for i in range(n):
            if ext and rng.random() < 0.05:
                deps[i].append(n + rng.randrange(len(ext)))
        used = {j for ds in deps for j in ds if j >= n}
        ext_kept = [e for j, e in enumerate(ext) if n + j in used]
        remap = {n + j: n + p for p, j in enumerate(j for j in range(len(ext)) if n + j in used)}
        deps = [[remap.get(j, j) for j in ds] for ds in deps]
        data = [i for i in range(n) if not deps[i] and rng.random() < 0.5]
        add(g, "random-dx-%d" % t, keys, deps, data=data, external=ext_kept)


# --------------------------------------------------------------------------------------------- main


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3])
        return
    fixture_dir, out_dir = sys.argv[1], sys.argv[2]
    reused_2022(fixture_dir)
    shapes_2024()
    collections_2024()
    harvest_test_order()

    payload = [fx for _, _, fx in GRAPHS]
    with tempfile.TemporaryDirectory() as tmp:
        in_path = os.path.join(tmp, "graphs.json")
        json.dump(payload, open(in_path, "w"))
        procs = []
        for seed in HASH_SEEDS:
            out_path = os.path.join(tmp, "out-%s.json" % seed)
            env = dict(os.environ, PYTHONHASHSEED=seed)
            procs.append((out_path, subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", in_path, out_path], env=env)))
        runs = []
        for out_path, p in procs:
            assert p.wait() == 0
            runs.append(json.load(open(out_path)))

    os.makedirs(out_dir, exist_ok=True)
    for old in glob.glob(os.path.join(out_dir, "*.json.gz")):
        os.remove(old)
    groups = {}
    stats = {"graphs": 0, "keys": 0, "dask_stable": 0, "dask_unstable": 0, "stable_but_differs": []}
    seen_names = set()
    for gi, (group, name, fx) in enumerate(GRAPHS):
        assert (group, name) not in seen_names, name
        seen_names.add((group, name))
        dask_runs = [r[gi]["dask"] for r in runs]
        graph_order = [r[gi]["graph_order"] for r in runs]
        assert all(x == graph_order[0] for x in graph_order), "graph-order oracle depends on the hash seed: " + name
        stable = all(d == dask_runs[0] for d in dask_runs)
        if stable and dask_runs[0] != graph_order[0]:
            stats["stable_but_differs"].append(group + "/" + name)
        item = dict(fx, name=name, dask=dask_runs[0] if stable else None,
                    dask_variants=len({tuple(d) for d in dask_runs}), graph_order=graph_order[0])
        groups.setdefault(group, []).append(item)
        stats["graphs"] += 1
        stats["keys"] += len(fx["keys"])
        stats["dask_stable" if stable else "dask_unstable"] += 1
    for group, items in groups.items():
        with gzip.open(os.path.join(out_dir, group + ".json.gz"), "wt", compresslevel=9) as f:
            f.write(json.dumps(items, separators=(",", ":")))
        print("%-22s %4d graphs %7d keys, %4d hash-seed dependent" % (
            group, len(items), sum(len(g["keys"]) for g in items), sum(1 for g in items if g["dask"] is None)))
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
