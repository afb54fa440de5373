"""Python's pools as peers of the pool benchmarks (bench/_peer.ts runs this).

One JSON request per stdin line, one JSON answer per stdout line:
  {"op": "versions"}                            -> {"python"}
  {"op": "inflight", "pool", "size", "tasks"}   -> {"ms", "total"}  apply_async all at once
  {"op": "latency", "pool", "size", "tasks"}    -> {"ms", "total"}  apply, one at a time
  {"op": "map", "pool", "size", "items"}        -> {"ms", "total"}  map(double, list), default chunksize
  {"op": "startup", "pool", "size"}             -> {"ms"}  Pool() to `size` results
  {"op": "teardown"}                            -> {}  stops the pool "startup" made
  {"op": "rss", "pool", "size"}                 -> {"bytesPerWorker"}  idle workers
where "pool" is "ThreadPool", "Pool fork" or "Pool spawn". Pools of the
first three ops are started (and warmed) on first use and kept; answers carry
{"ok": true} or {"ok": false, "error"}. Exits when stdin closes.
"""

import json
import multiprocessing
import os
import sys
import time
import traceback
from multiprocessing.pool import ThreadPool


def add(a, b):
    return a + b


def double(x):
    return x * 2


def nap(seconds):
    time.sleep(seconds)
    return seconds


def create(pool, size):
    if pool == "ThreadPool":
        return ThreadPool(size)
    if pool in ("Pool fork", "Pool spawn"):
        return multiprocessing.get_context(pool.split()[1]).Pool(size)
    raise ValueError("unknown pool %r" % pool)


def start_all(p, size):
    """As many naps at once as twice the workers: each worker takes some."""
    p.map(nap, [0.02] * (2 * size), chunksize=1)


WARM = {}
STARTED = []


def warm(pool, size):
    key = (pool, size)
    if key not in WARM:
        p = create(pool, size)
        start_all(p, size)
        for i in range(200):
            p.apply(add, (i, 1))
        WARM[key] = p
    return WARM[key]


def rss_of(pid):
    """Resident set size of a process, from /proc (Linux)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def op_versions(_):
    return {"python": sys.version.split()[0]}


def op_inflight(req):
    p = warm(req["pool"], req["size"])
    n = req["tasks"]
    start = time.perf_counter()
    pending = [p.apply_async(add, (i, 1)) for i in range(n)]
    total = sum(r.get() for r in pending)
    return {"ms": (time.perf_counter() - start) * 1000, "total": total}


def op_latency(req):
    p = warm(req["pool"], req["size"])
    total = 0
    start = time.perf_counter()
    for i in range(req["tasks"]):
        total += p.apply(add, (i, 1))
    return {"ms": (time.perf_counter() - start) * 1000, "total": total}


def op_map(req):
    p = warm(req["pool"], req["size"])
    items = list(range(req["items"]))
    start = time.perf_counter()
    results = p.map(double, items)
    ms = (time.perf_counter() - start) * 1000
    return {"ms": ms, "total": sum(results)}


def op_startup(req):
    size = req["size"]
    start = time.perf_counter()
    p = create(req["pool"], size)
    pending = [p.apply_async(add, (i, 1)) for i in range(size)]
    for r in pending:
        r.get()
    ms = (time.perf_counter() - start) * 1000
    STARTED.append(p)
    return {"ms": ms}


def op_teardown(_):
    while STARTED:
        p = STARTED.pop()
        p.terminate()
        p.join()
    return {}


def op_rss(req):
    pool, size = req["pool"], req["size"]
    before = rss_of(os.getpid())
    p = create(pool, size)
    start_all(p, size)
    time.sleep(0.3)
    if pool == "ThreadPool":
        per = (rss_of(os.getpid()) - before) / size
    else:
        # Pool keeps its worker processes in _pool (no public accessor).
        per = sum(rss_of(w.pid) for w in p._pool) / size
    p.terminate()
    p.join()
    return {"bytesPerWorker": per}


OPS = {
    "versions": op_versions,
    "inflight": op_inflight,
    "latency": op_latency,
    "map": op_map,
    "startup": op_startup,
    "teardown": op_teardown,
    "rss": op_rss,
}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req.get("op") not in OPS:
                raise ValueError("unknown op %r" % req.get("op"))
            out = {"ok": True, **OPS[req["op"]](req)}
        except Exception:
            out = {"ok": False, "error": traceback.format_exc()}
        print(json.dumps(out), flush=True)
    op_teardown(None)
    for p in WARM.values():
        p.terminate()
        p.join()


if __name__ == "__main__":
    main()
