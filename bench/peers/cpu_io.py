"""Python peers of bench/report.ts: the same workloads run serially, on
multiprocessing.pool.ThreadPool and on multiprocessing.Pool.

Reads one JSON object on stdin (written by report.ts):
  {"tasks", "span", "base", "delay_ms", "url", "files", "sizes", "reps",
   "min_timed_ms", "max_reps", "baseline_reps", "workloads"}
and prints one JSON object on stdout: {"python": version, "results": [...]},
each result {"workload", "strategy", "size", "ms", "total"} where ms is the
best wall time of at least `reps` timed runs (`baseline_reps` for the serial
baseline; short ones repeat until they add up to `min_timed_ms`, at most
`max_reps` runs) after one untimed warm-up, as report.ts does.
"""

import json
import sys
import time
import urllib.request
from multiprocessing import Pool
from multiprocessing.pool import ThreadPool


def is_odd_prime(n):
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def cpu_task(index, tasks, span, base):
    """Same split as cpuTask in bench/workloads.ts."""
    count = 0
    for n in range(base + 1 + 2 * index, base + span, 2 * tasks):
        if is_odd_prime(n):
            count += 1
    return count


def timer_task(index, ms):
    time.sleep(ms / 1000)
    return index


def file_task(path):
    with open(path, "rb") as f:
        data = f.read()
    return len(data) + sum(data[::4096])


def http_task(url, index):
    with urllib.request.urlopen("%s?n=%d" % (url, index)) as response:
        return int(response.read())


def task_list(cfg, workload):
    tasks = cfg["tasks"]
    if workload == "cpu":
        return cpu_task, [(i, tasks, cfg["span"], cfg["base"]) for i in range(tasks)]
    if workload == "timer":
        return timer_task, [(i, cfg["delay_ms"]) for i in range(tasks)]
    if workload == "file":
        return file_task, [(cfg["files"][i],) for i in range(tasks)]
    if workload == "http":
        return http_task, [(cfg["url"], i) for i in range(tasks)]
    raise ValueError("unknown workload %r" % workload)


def run_serial(fn, arg_list):
    return sum(fn(*args) for args in arg_list)


def run_pool(pool, fn, arg_list):
    pending = [pool.apply_async(fn, args) for args in arg_list]
    return sum(p.get() for p in pending)


def measure(run, cfg, reps):
    run()  # warm-up: workers started, modules and connections ready
    times = []
    total = None
    while len(times) < reps or (
        sum(times) < cfg["min_timed_ms"] and len(times) < cfg["max_reps"]
    ):
        start = time.perf_counter()
        total = run()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), total


def main():
    cfg = json.load(sys.stdin)
    results = []

    def record(workload, strategy, size, run):
        reps = max(cfg["reps"], cfg["baseline_reps"]) if size is None else cfg["reps"]
        ms, total = measure(run, cfg, reps)
        results.append(
            {"workload": workload, "strategy": strategy, "size": size, "ms": ms, "total": total}
        )
        print("python %s %s size=%s %.1f ms" % (workload, strategy, size, ms), file=sys.stderr)

    for workload in cfg["workloads"]:
        fn, arg_list = task_list(cfg, workload)
        record(workload, "python serial", None, lambda: run_serial(fn, arg_list))
    for size in cfg["sizes"]:
        for strategy, make in (("python ThreadPool", ThreadPool), ("python Pool", Pool)):
            with make(size) as pool:
                for workload in cfg["workloads"]:
                    fn, arg_list = task_list(cfg, workload)
                    record(workload, strategy, size, lambda: run_pool(pool, fn, arg_list))
    json.dump({"python": sys.version.split()[0], "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
