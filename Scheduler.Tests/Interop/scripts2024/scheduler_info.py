# A Dask 2024.12.1 client (inside the Debian 13 chroot) connects and prints what scheduler_info() reports.
#   python3 scheduler_info.py ADDRESS [N_WORKERS]   (waits for N_WORKERS workers first, default 1)
import json, sys
import distributed
from distributed import Client

assert distributed.__version__ == "2024.12.1", distributed.__version__
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
with Client(sys.argv[1], timeout=30) as c:
    c.wait_for_workers(n, timeout=30)
    info = c.scheduler_info()
    workers = {a: {"name": str(w.get("name")), "nthreads": w.get("nthreads")} for a, w in info["workers"].items()}
    print(json.dumps({"client": distributed.__version__, "type": info.get("type"), "address": info.get("address"),
                      "workers": workers}))
