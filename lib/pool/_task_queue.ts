// The tasks waiting for a worker. Tasks of the default priority (0) wait in
// a plain FIFO array, so the common case costs what it always did; tasks
// given another priority wait in a binary heap ordered by (priority, order),
// `order` being the submission number that keeps equal priorities first in
// first out. The next task is the heap's top when its priority is below 0,
// else the FIFO's head, else the heap's top. A dropped or cancelled task is
// left in place as a hole (its state is no longer QUEUED) and skipped when
// reached, so dropping costs O(1); a task taken back from a dead worker goes
// to the front of its priority (it keeps its order number).

import { BinaryHeap } from "jsr:@std/data-structures@^1.1.2/binary-heap";
import { DONE, QUEUED, type Task } from "./_backend.ts";

function before(a: Task, b: Task): number {
  return a.priority - b.priority || a.order - b.order;
}

/** Priority queue of QUEUED tasks with O(1) drop and put-back-at-front. */
export class TaskQueue {
  #items: (Task | undefined)[] = [];
  #head = 0;
  #size = 0;
  #heap: BinaryHeap<Task> | undefined;
  #orders = 0;

  /** Tasks waiting (holes excluded). */
  get size(): number {
    return this.#size;
  }

  push(task: Task): void {
    task.state = QUEUED;
    this.#size++;
    if (task.priority === 0) {
      this.#items.push(task);
      return;
    }
    task.order = ++this.#orders;
    (this.#heap ??= new BinaryHeap(before)).push(task);
  }

  /** Puts a task back at the front of its priority (it runs next among them). */
  unshift(task: Task): void {
    task.state = QUEUED;
    this.#size++;
    if (task.priority !== 0) {
      this.#heap!.push(task); // its order number still puts it first
      return;
    }
    if (this.#head > 0) this.#items[--this.#head] = task;
    else this.#items.unshift(task);
  }

  /** Takes a queued task out of line: it becomes DONE and its slot a hole. */
  remove(task: Task): void {
    task.state = DONE;
    this.#size--;
  }

  /** The next task, without taking it. */
  peek(): Task | undefined {
    const heap = this.#heap;
    if (heap === undefined || heap.length === 0) return this.#peekFifo();
    const top = this.#heapTop(heap);
    if (top && top.priority < 0) return top;
    return this.#peekFifo() ?? top;
  }

  /** Takes the next task (still QUEUED: the caller moves it on). */
  shift(): Task | undefined {
    const heap = this.#heap;
    if (heap === undefined || heap.length === 0) return this.#shiftFifo();
    const top = this.#heapTop(heap);
    if (top && top.priority < 0) return this.#take(heap);
    return this.#shiftFifo() ?? (top && this.#take(heap));
  }

  #take(heap: BinaryHeap<Task>): Task {
    this.#size--;
    return heap.pop()!;
  }

  // The heap's best QUEUED task; holes on top are dropped on the way.
  #heapTop(heap: BinaryHeap<Task>): Task | undefined {
    let top = heap.peek();
    while (top && top.state !== QUEUED) {
      heap.pop();
      top = heap.peek();
    }
    return top;
  }

  #peekFifo(): Task | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const task = items[this.#head];
      if (task && task.state === QUEUED) return task;
      items[this.#head++] = undefined;
    }
    return undefined;
  }

  #shiftFifo(): Task | undefined {
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
