# Captures the 'feed' messages real distributed progress bars send (their connect is swapped for a fake comm
# that records writes and then reports the comm closed), printed as JSON with the pickles in hex.
import asyncio
import json
import sys

import distributed.diagnostics.progressbar as pb
from distributed.comm.core import CommClosedError
from distributed.protocol.pickle import dumps

sent = []


class RecordingComm:
    async def write(self, msg, **kwargs):
        sent.append(msg)

    async def read(self, **kwargs):
        raise CommClosedError()

    async def close(self):
        pass


async def fake_connect(address, **kwargs):
    return RecordingComm()


pb.connect = fake_connect
KEYS = ["inc-abc", ("x-123", 0, 1), ("x-123", 0, 2), b"bytes-key"]
A = "tcp://127.0.0.1:1"


class Multi(pb.MultiProgressBar):
    pass


async def main():
    cases = [
        ("single", lambda: pb.ProgressBar(KEYS, scheduler=A, complete=True)),
        ("text_incomplete", lambda: pb.TextProgressBar(KEYS, scheduler=A, complete=False, start=False)),
        ("multi", lambda: Multi(KEYS, scheduler=A, complete=True)),
        ("multi_lambda", lambda: Multi(KEYS, scheduler=A, func=lambda k: k[:2])),
    ]
    names = []
    for name, make in cases:
        try:
            await make().listen()
        except CommClosedError:
            pass
        names.append(name)
    out = {n: {k: (v.hex() if isinstance(v, bytes) else v) for k, v in m.items()} for n, m in zip(names, sent)}
    out["other"] = {"op": "feed", "function": dumps(lambda s: 1).hex(), "interval": "1s"}
    out["other_setup"] = {"op": "feed", "setup": dumps(len).hex(), "function": out["single"]["function"], "interval": 0.5}
    json.dump(out, sys.stdout)


asyncio.run(main())
