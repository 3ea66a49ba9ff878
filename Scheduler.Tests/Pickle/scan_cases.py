# Pickles of plain values at every protocol, each with the description PickleScannerTests expects its scan to
# give: JSON lines of {"hex": pickle, "want": description}. The description of a value v is
#   str -> ["s", v]   int -> ["i", str(v)]   float -> ["f", repr(v)]   bool -> v   None -> None   bytes -> ["b", hex]
#   tuple -> ["t", ...]   list -> ["l", ...]   dict -> ["d", [k, v], ...]   set/frozenset -> ["set", ...]
import json
import pickle


def describe(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return ["s", v]
    if isinstance(v, int):
        return ["i", str(v)]
    if isinstance(v, float):
        return ["f", repr(v)]
    if isinstance(v, bytes):
        return ["b", v.hex()]
    if isinstance(v, tuple):
        return ["t"] + [describe(x) for x in v]
    if isinstance(v, list):
        return ["l"] + [describe(x) for x in v]
    if isinstance(v, dict):
        return ["d"] + [[describe(k), describe(x)] for k, x in v.items()]
    if isinstance(v, (set, frozenset)):
        return ["set"] + [describe(x) for x in v]
    raise TypeError(type(v))


shared = ("shared", 1)
values = [
    None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31, 2**63 - 1, -(2**63), 2**70, -(2**100),
    0.5, -1e300, float("inf"), "", "abc", "é ü 日本", "x" * 300, b"", b"\x00\x01", b"y" * 300,
    (), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), [], [1, "a", None], {}, {"a": 1, 2: [3]},
    [shared, shared, {"k": shared}], ("x-123", 0, 1), {"nested": {"deeper": [(1.5, b"z")]}},
]
for protocol in range(0, 6):
    for v in values:
        print(json.dumps({"hex": pickle.dumps(v, protocol=protocol).hex(), "want": describe(v), "protocol": protocol}))
for protocol in (4, 5):
    for v in [{1, 2, 3}, frozenset({"a"}), {("x", 1), ("x", 2)}, set()]:
        print(json.dumps({"hex": pickle.dumps(v, protocol=protocol).hex(), "want": describe(v), "protocol": protocol}))
