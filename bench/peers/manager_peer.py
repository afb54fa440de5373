"""Python's multiprocessing.managers.BaseManager, for bench/manager_bench.ts.

Like the Python tutorial's task_master.py: a queue.Queue served by a BaseManager server
process (manager.start()), used through a proxy from this process. Started
once; then each line "N" on stdin runs N put+get pairs in sequence on the
proxy and answers "done", so the Deno bench times exactly the round trips.
"""
import os
import queue
import sys
from multiprocessing.managers import BaseManager

task_queue = queue.Queue()


def get_task_queue():
    return task_queue


class QueueManager(BaseManager):
    pass


QueueManager.register("get_task_queue", callable=get_task_queue)


def main():
    # Lead a process group of our own: the bench ends us and the server
    # process manager.start() forks with one signal to the group.
    os.setpgrp()
    manager = QueueManager(address=("127.0.0.1", 0), authkey=b"abc")
    manager.start()
    try:
        task = manager.get_task_queue()
        print("ready", flush=True)
        for line in sys.stdin:
            n = int(line)
            for i in range(n):
                task.put(i)
                task.get()
            print("done", flush=True)
    finally:
        manager.shutdown()


if __name__ == "__main__":
    main()
