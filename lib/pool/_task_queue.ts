// The tasks waiting for a worker, first in first out. A dropped or cancelled
// task is left in place as a hole (its state is no longer QUEUED) and skipped
// when reached, so dropping costs O(1); a task taken back from a dead worker
// goes to the front.

import { DONE, QUEUED, type Task } from "./_backend.ts";

/** FIFO of QUEUED tasks with O(1) drop and put-back-at-front. */
export class TaskQueue {
  #items: (Task | undefined)[] = [];
  #head = 0;
  #size = 0;

  /** Tasks waiting (holes excluded). */
  get size(): number {
    return this.#size;
  }

  push(task: Task): void {
    task.state = QUEUED;
    this.#items.push(task);
    this.#size++;
  }

  /** Puts a task back at the front (it runs next). */
  unshift(task: Task): void {
    task.state = QUEUED;
    if (this.#head > 0) this.#items[--this.#head] = task;
    else this.#items.unshift(task);
    this.#size++;
  }

  /** Takes a queued task out of line: it becomes DONE and its slot a hole. */
  remove(task: Task): void {
    task.state = DONE;
    this.#size--;
  }

  /** The next task, without taking it. */
  peek(): Task | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const task = items[this.#head];
      if (task && task.state === QUEUED) return task;
      items[this.#head++] = undefined;
    }
    return undefined;
  }

  /** Takes the next task (still QUEUED: the caller moves it on). */
  shift(): Task | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const task = items[this.#head];
      items[this.#head++] = undefined;
      if (task && task.state === QUEUED) {
        this.#size--;
        this.#compact();
        return task;
      }
    }
    return undefined;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
