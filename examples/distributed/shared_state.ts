// Python's `Manager().dict()` / `list()` / `Lock()` example, over the network:
// the master serves a word tally (a user class), a Lock-guarded Value, and a
// factory; three worker processes connect with the authkey, count the words
// of their lines into the master's objects, and each keeps a scratch list of
// its own on the master. The master prints the totals once they are done.
// `deno run -A examples/distributed/shared_state.ts`
import { Lock, Manager, Value } from "@multitask/core";
import { Process } from "@multitask/core/process";

/** The master's word tally: each call runs on the master, one at a time. */
export class WordCounts {
  #counts = new Map<string, number>();

  /** Adds `n` to `word`'s count; returns the new count. */
  add(word: string, n = 1): number {
    const count = (this.#counts.get(word) ?? 0) + n;
    this.#counts.set(word, count);
    return count;
  }

  /** The counts, most frequent first. */
  top(k: number): [string, number][] {
    return [...this.#counts].sort((a, b) =>
      b[1] - a[1] || (a[0] < b[0] ? -1 : 1)
    )
      .slice(0, k);
  }
}

const LINES = [
  "the quick brown fox jumps over the lazy dog",
  "the dog barks and the fox runs",
  "a lazy afternoon for the brown dog",
];

/** A worker process: counts its line into the master's objects. */
export async function worker(port: number, id: number): Promise<void> {
  await using client = await Manager.connect({ port, authkey: "abc" });
  const counts = client.proxy<WordCounts>("counts");
  const lock = client.proxy<Lock>("lock");
  const words = client.proxy<Value<"i32">>("words");
  const seen = await client.list<string>(); // this worker's own, on the master
  for (const word of LINES[id].split(" ")) {
    await counts.add(word);
    await seen.push(word);
  }
  // A compound update under the master's Lock (add alone would be atomic).
  await lock.acquire();
  try {
    await words.set((await words.get()) + (await seen.length()));
  } finally {
    await lock.release();
  }
  console.log(`worker ${id}: ${await seen.length()} words`);
}

if (import.meta.main) {
  await using manager = new Manager({ port: 0, authkey: "abc" });
  const counts = new WordCounts();
  const words = new Value("i32", 0);
  manager
    .register("counts", counts)
    .register("lock", new Lock())
    .register("words", words);
  const { port } = await manager.start();
  const workers = LINES.map((_, id) =>
    new Process({ target: worker, module: import.meta.url, args: [port, id] })
  );
  for (const p of workers) p.start();
  for (const p of workers) await p.join();
  console.log(`total words: ${words.value}`);
  for (const [word, n] of counts.top(3)) console.log(`${word}: ${n}`);
}
