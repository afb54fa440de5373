// The Python tutorial's sing and dance threads, with arguments. Python passes `args`
// as a tuple and `kwargs` as a dict; JavaScript has no keyword arguments, so
// the "kwargs" travel as an object argument the target destructures.
//
//   deno run -A examples/thread_args.ts
//
// Like the Python tutorial, the main module does not join: the threads are not
// daemons, so the program stays alive until both have finished.
import { delay } from "@std/async/delay";
import { Thread } from "@multitask/core/thread";

export async function sing(
  times: number,
  { song }: { song: string },
): Promise<void> {
  for (let i = 0; i < times; i++) {
    console.log(`sing ${song}`);
    await delay(100);
  }
}

export async function dance(
  times: number,
  { style }: { style: string },
): Promise<void> {
  for (let i = 0; i < times; i++) {
    console.log(`dance ${style}`);
    await delay(100);
  }
}

if (import.meta.main) {
  const singThread = new Thread({
    target: sing,
    module: import.meta.url,
    args: [5, { song: "Jasmine" }],
  });
  const danceThread = new Thread({
    target: dance,
    module: import.meta.url,
    args: [5, { style: "waltz" }],
  });
  singThread.start();
  danceThread.start();
  console.log("main module done; the threads keep the program alive");
}
