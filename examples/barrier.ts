// A barrier makes threads wait for each other: three runners get ready at
// their own pace, and all start together once the last one is ready.
// Then a barrier for two with only one thread arriving times out and is
// broken (BrokenBarrierError).
//
//   deno run -A examples/barrier.ts
import { delay } from "@std/async/delay";
import { currentThread, Thread } from "@multitask/core/thread";
import { Barrier, BrokenBarrierError } from "@multitask/core/sync";

export async function runner(
  startLine: Barrier,
  warmUp: number,
): Promise<void> {
  const name = currentThread().name;
  await delay(warmUp);
  console.log(`${name} is ready`);
  const arrival = await startLine.wait(); // 0 for the first to arrive
  console.log(`${name} starts (arrived #${arrival})`);
}

export function lonelyRunner(startLine: Barrier): void {
  try {
    startLine.waitSync(200);
  } catch (error) {
    if (!(error instanceof BrokenBarrierError)) throw error;
    console.log(`lonely runner: ${error.name}, broken = ${startLine.broken}`);
  }
}

if (import.meta.main) {
  const startLine = new Barrier(3);
  const runners = [300, 100, 200].map((warmUp) =>
    new Thread({
      target: runner,
      module: import.meta.url,
      args: [startLine, warmUp],
    })
  );
  for (const t of runners) t.start();
  for (const t of runners) await t.join();

  const lonely = new Thread({
    target: lonelyRunner,
    module: import.meta.url,
    args: [new Barrier(2)],
  });
  lonely.start();
  await lonely.join();
  console.log("main: done");
}
