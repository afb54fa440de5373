// The Python tutorial's Queue IPC demo: the parent creates a Queue and hands it to two
// child processes; the writer puts 'A', 'B', 'C' (sleeping a random while
// after each), the reader loops forever printing what it gets, and the
// parent, once the writer is done, terminates the endless reader.
// `deno run -A examples/process_queue.ts`
import { delay } from "@std/async/delay";
import { currentProcess, Process } from "@multitask/core/process";
import { Queue } from "@multitask/core/queue";

/** The writer process's code. */
export async function write(q: Queue<string>): Promise<void> {
  console.log(`Process to write: ${currentProcess().pid}`);
  for (const value of ["A", "B", "C"]) {
    console.log(`Put ${value} to queue...`);
    await q.put(value);
    await delay(Math.random() * 1000);
  }
}

/** The reader process's code: an endless loop. */
export async function read(q: Queue<string>): Promise<void> {
  console.log(`Process to read: ${currentProcess().pid}`);
  while (true) {
    const value = await q.get();
    console.log(`Get ${value} from queue.`);
  }
}

if (import.meta.main) {
  // The parent creates the Queue and passes it to each child.
  const q = new Queue<string>();
  const pw = new Process({ target: write, module: import.meta.url, args: [q] });
  const pr = new Process({ target: read, module: import.meta.url, args: [q] });
  pw.start(); // start the writer
  pr.start(); // start the reader
  await pw.join(); // wait for the writer to finish
  // Python races here; we let the reader take what is left (the queue lives
  // in this process, so we can see it) and print it before stopping it.
  while (!q.empty()) await delay(10);
  await delay(200);
  // The reader loops forever and cannot be joined: terminate it, then join
  // to reap it so no zombie is left.
  pr.terminate();
  await pr.join();
}
