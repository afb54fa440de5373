// The Python tutorial's write_task/read_task pair: the parent's Queue passed to two
// child processes that both finish, so the parent joins both and prints DONE.
// `deno run -A examples/process_queue_joined.ts`
import { delay } from "@std/async/delay";
import { Process } from "@multitask/core/process";
import { Queue } from "@multitask/core/queue";

/** Writes 1..4 into the queue, one a second. */
export async function writeTask(q: Queue<number>): Promise<void> {
  try {
    let n = 1;
    while (n < 5) {
      console.log(`write, ${n}`);
      await q.put(n);
      await delay(1000);
      n += 1;
    }
  } catch {
    console.log("write_task error");
  } finally {
    console.log("write_task end");
  }
}

/** Reads four items from the queue, one a second. */
export async function readTask(q: Queue<number>): Promise<void> {
  try {
    let n = 1;
    while (n < 5) {
      console.log(`read, ${await q.get()}`);
      await delay(1000);
      n += 1;
    }
  } catch {
    console.log("read_task error");
  } finally {
    console.log("read_task end");
  }
}

if (import.meta.main) {
  const q = new Queue<number>(); // the parent creates the Queue and passes it to each child
  const pw = new Process({
    target: writeTask,
    module: import.meta.url,
    args: [q],
  });
  const pr = new Process({
    target: readTask,
    module: import.meta.url,
    args: [q],
  });
  pw.start(); // start the writer
  pr.start(); // start the reader
  await pw.join(); // wait for the writer
  await pr.join(); // wait for the reader
  console.log("DONE");
}
