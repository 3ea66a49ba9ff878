# distributed.performance_report against our scheduler: the context manager works unchanged and writes our HTML.
import os
import sys
import time

from distributed import Client, performance_report

c = Client(sys.argv[1], timeout=30)


def slow(x):
    time.sleep(0.01)
    return x * 2


path = os.path.abspath("report.html")
with performance_report(filename=path):
    assert sum(c.gather(c.map(slow, range(40)))) == 2 * sum(range(40))
html = open(path).read()
assert html.startswith("<!DOCTYPE html>"), html[:200]
assert "Dask performance report" in html
assert html.count("<rect") >= 40, html.count("<rect")  # every task of the period in the task stream
assert "<td>slow</td><td>40</td>" in html, "the prefix table counts the 40 tasks"
assert "performance_report(filename=path)" in html  # the code that ran
assert "<script" not in html  # self-contained, nothing to run
print("OK performance_report", len(html), flush=True)
c.close()
