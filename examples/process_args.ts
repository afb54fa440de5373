// The Python tutorial's sing/draw demo: one process gets positional args (Python's
// args=(3,)), the other an options object (Python's kwargs={"num": 3}); the
// two children sing and draw at the same time.
// `deno run -A examples/process_args.ts`
import { delay } from "@std/async/delay";
import { Process } from "@multitask/core/process";

/** Sings `num` times, half a second apart. */
export async function sing(num: number): Promise<void> {
  for (let i = 0; i < num; i++) {
    console.log("singing");
    await delay(500);
  }
}

/** Draws `num` times, half a second apart; takes keyword-style options. */
export async function draw({ num }: { num: number }): Promise<void> {
  for (let i = 0; i < num; i++) {
    console.log("drawing");
    await delay(500);
  }
}

if (import.meta.main) {
  const process1 = new Process({
    target: sing,
    module: import.meta.url,
    args: [3],
  });
  const process2 = new Process({
    target: draw,
    module: import.meta.url,
    args: [{ num: 3 }],
  });
  process1.start();
  process2.start();
  // Like Python, the parent waits for its non-daemon children before exiting.
}
