// A semaphore limits how many threads do something at once (the Python tutorial's
// "信号量" section, in the style of its other threading programs): eight
// download threads share three connection slots.
//
//   deno run -A examples/semaphore.ts
//
// Each thread prints how many threads hold a slot as it enters; with
// Semaphore(3) that number never exceeds 3.
import { delay } from "@std/async/delay";
import { currentThread, Thread } from "@multitask/core/thread";
import { Semaphore, Value } from "@multitask/core/sync";

export async function download(
  slots: Semaphore,
  inside: Value<"i32">,
): Promise<void> {
  const name = currentThread().name;
  using _ = await slots.hold(); // Python: with slots:
  console.log(`${name} got a slot (${inside.add(1) + 1} downloading)`);
  await delay(200); // the download
  inside.add(-1);
  console.log(`${name} done`);
}

if (import.meta.main) {
  const slots = new Semaphore(3);
  const inside = new Value("i32", 0);
  const threads = [];
  for (let i = 0; i < 8; i++) {
    const t = new Thread({
      target: download,
      module: import.meta.url,
      args: [slots, inside],
    });
    t.start();
    threads.push(t);
  }
  for (const t of threads) await t.join();
  console.log("all downloads finished");
}
