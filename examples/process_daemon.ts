// The Python tutorial's daemon demo: a daemon child is killed when the main process
// ends, so it does not get to sing ten times. (The Python tutorial's loop has no pause;
// this one sings every 0.2 s so the effect is visible.)
// `deno run -A examples/process_daemon.ts`
import { delay } from "@std/async/delay";
import { Process } from "@multitask/core/process";

/** Would sing ten times over two seconds. */
export async function sing(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    console.log("singing");
    await delay(200);
  }
}

if (import.meta.main) {
  const process1 = new Process({ target: sing, module: import.meta.url });
  process1.daemon = true; // set before start(), as in Python
  process1.start();
  console.log(`daemon child pid ${process1.pid}`);
  console.log("主进程结束 (main process ends)");
}
