# Python's scheduler drops a client that sends a stream op it has no handler for (the 2022.12.1 client
# itself sends pubsub-remove-subscribers). Ours logs it and the client keeps working.
import sys, time
from distributed import Client
c = Client(sys.argv[1], timeout=30)
c._send_to_scheduler({"op": "pubsub-remove-subscribers", "name": "x"})
c._send_to_scheduler({"op": "pubsub-remove-subscriber", "name": "x"})
c._send_to_scheduler({"op": "pubsub-remove-subscriber", "name": "x"})
time.sleep(0.3)
assert c.submit(lambda: 5).result(timeout=20) == 5
assert c.status == "running"
print("OK lenient")
c.close()
