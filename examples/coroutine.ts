// The Python tutorial's coroutine lesson (004 §4): a coroutine can stop in the middle,
// hand control to another, and resume where it left off; the switching is
// done by the program, not the OS, and it all runs in ONE thread, so there
// is no thread-switch cost and no shared-data race.
//
// Python writes it with a generator: the producer `send`s each item into the
// consumer, which resumes after its `yield`, consumes, and yields back a
// status. JavaScript generators work the same way: `next(value)` is `send`,
// and `return()` is `close()`.
//
//   deno run -A examples/coroutine.ts          # generator, as in Python
//   deno run -A examples/coroutine.ts --async  # async generator: the consumer
//                                              # awaits IO between items

import { parseArgs } from "@std/cli/parse-args";
import { delay } from "@std/async/delay";
import { currentThread } from "@multitask/core/thread";
import { refuseUnknown } from "./_flags.ts";

/** Receives items through `next(n)` and answers each with a status. */
export function* consumer(): Generator<string, void, number | undefined> {
  let r = "";
  while (true) {
    const n = yield r;
    if (!n) return;
    console.log(`[CONSUMER] Consuming ${n}...`);
    r = "200 OK";
  }
}

/** Makes five items and hands each to the consumer, then closes it. */
export function produce(c: Generator<string, void, number | undefined>): void {
  c.next(); // Python's c.send(None): run the consumer up to its first yield
  let n = 0;
  while (n < 5) {
    n = n + 1;
    console.log(`[PRODUCER] Producing ${n}...`);
    const r = c.next(n).value;
    console.log(`[PRODUCER] Consumer return: ${r}`);
  }
  c.return(); // Python's c.close()
}

/**
 * The same consumer as an async generator: after each item it awaits (a
 * timer standing for a write to disk or network), and the producer waits
 * for that answer without blocking the thread: this is how async/await
 * (Python 3.5's coroutines) is built.
 */
export async function* asyncConsumer(
  ioMs: number,
): AsyncGenerator<string, void, number | undefined> {
  let r = "";
  while (true) {
    const n = yield r;
    if (!n) return;
    console.log(`[CONSUMER] Consuming ${n}...`);
    await delay(ioMs);
    r = "200 OK";
  }
}

/** `produce` for the async consumer. */
export async function produceAsync(
  c: AsyncGenerator<string, void, number | undefined>,
): Promise<void> {
  await c.next();
  let n = 0;
  while (n < 5) {
    n = n + 1;
    console.log(`[PRODUCER] Producing ${n}...`);
    const r = (await c.next(n)).value;
    console.log(`[PRODUCER] Consumer return: ${r}`);
  }
  await c.return();
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    boolean: ["async"],
    unknown: refuseUnknown,
  });
  if (flags.async) {
    await produceAsync(asyncConsumer(10));
  } else {
    produce(consumer());
  }
  console.log(`(producer and consumer both ran in ${currentThread().name})`);
}
