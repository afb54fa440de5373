"""Python's queue.Queue and multiprocessing.Queue, for bench/queue_bench.ts.

`python3 queue_peer.py thread`: each line "N" on stdin makes a producer
thread put 0..N-1 into a queue.Queue while the main thread gets them all,
then answers "done". `python3 queue_peer.py process`: a long-lived child
Process puts 0..N-1 into a multiprocessing.Queue per line and the parent
gets them all. The Deno bench times the whole exchange per line.
"""
import multiprocessing as mp
import os
import queue
import sys
import threading
import time


def produce(q, n):
    for i in range(n):
        q.put(i)


def serve(ctrl, q):
    threading.Thread(target=exit_with_parent, daemon=True).start()
    while True:
        n = ctrl.get()
        if n < 0:
            return
        produce(q, n)


def exit_with_parent():
    # The bench may end without closing our stdin for good (its children can
    # hold the pipe): leave as soon as the Deno process that started us is gone.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    threading.Thread(target=exit_with_parent, daemon=True).start()
    mode = sys.argv[1]
    if mode == "thread":
        q = queue.Queue()
        print("ready", flush=True)
        for line in sys.stdin:
            n = int(line)
            t = threading.Thread(target=produce, args=(q, n))
            t.start()
            for _ in range(n):
                q.get()
            t.join()
            print("done", flush=True)
        return
    ctrl, q = mp.Queue(), mp.Queue()
    child = mp.Process(target=serve, args=(ctrl, q), daemon=True)
    child.start()
    print("ready", flush=True)
    for line in sys.stdin:
        n = int(line)
        ctrl.put(n)
        for _ in range(n):
            # A generous bound: a vanished child must not hang the peer forever.
            q.get(timeout=60)
        print("done", flush=True)
    # stdin closed: the bench is over. Stop the child and leave at once
    # (queue feeder threads could otherwise keep this process alive).
    child.kill()
    child.join()
    os._exit(0)


if __name__ == "__main__":
    main()
