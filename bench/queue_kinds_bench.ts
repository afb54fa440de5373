// PriorityQueue and LifoQueue against Queue. `deno bench -A bench/queue_kinds_bench.ts`
//
// Each iteration puts N items with putNowait, then takes them all with
// getNowait, on one thread: what the heap in shared memory costs over the
// FIFO ring. Priorities are a fixed shuffle of 0..N-1, so the heap does real
// work (sorted input would cost it nothing).

import { LifoQueue } from "../lib/queue/lifo_queue.ts";
import { PriorityQueue } from "../lib/queue/priority_queue.ts";
import { Queue } from "../lib/queue/queue.ts";

const N = 10_000;
const group = `put ${N / 1000}k items, then get them all (one thread)`;

const shuffled = Array.from({ length: N }, (_, i) => i);
for (let i = N - 1, s = 7; i > 0; i--) {
  s = (s * 1103515245 + 12345) % 2 ** 31;
  const j = s % (i + 1);
  [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
}
const tuples = shuffled.map((n) => [n % 100, `job ${n}`] as [number, string]);

interface Nowait<T> {
  putNowait(item: T): void;
  getNowait(): T;
}

function cycle<T>(q: Nowait<T>, items: T[]): void {
  for (const item of items) q.putNowait(item);
  for (let i = 0; i < items.length; i++) q.getNowait();
}

const queue = new Queue<number>();
const priority = new PriorityQueue<number>();
const lifo = new LifoQueue<number>();
const queueTuples = new Queue<[number, string]>();
const priorityTuples = new PriorityQueue<[number, string]>();

Deno.bench({
  group,
  name: "Queue, numbers",
  baseline: true,
  fn: () => cycle(queue, shuffled),
});
Deno.bench({
  group,
  name: "PriorityQueue, numbers",
  fn: () => cycle(priority, shuffled),
});
Deno.bench({
  group,
  name: "LifoQueue, numbers",
  fn: () => cycle(lifo, shuffled),
});
Deno.bench({
  group,
  name: "Queue, [priority, string] arrays",
  fn: () => cycle(queueTuples, tuples),
});
Deno.bench({
  group,
  name: "PriorityQueue, [priority, string] arrays",
  fn: () => cycle(priorityTuples, tuples),
});
