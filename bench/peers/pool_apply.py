"""Python's multiprocessing.Pool.apply_async on tiny tasks, for bench/pool_bench.ts.

Started once with the pool size; then each line "N" on stdin runs N
apply_async(add, (i, 1)) calls, waits for all results, and answers "done", so
the Deno bench times exactly the tasks (the pool's start-up is not timed).
"""
import sys
from multiprocessing import Pool


def add(a, b):
    return a + b


def main():
    size = int(sys.argv[1])
    with Pool(size) as pool:
        print("ready", flush=True)
        for line in sys.stdin:
            n = int(line)
            results = [pool.apply_async(add, (i, 1)) for i in range(n)]
            total = 0
            for r in results:
                total += r.get()
            print("done", total, flush=True)


if __name__ == "__main__":
    main()
