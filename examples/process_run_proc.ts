// The Python tutorial's multiprocessing demo: the child runs run_proc("test") and the
// parent waits for it with join(). `deno run -A examples/process_run_proc.ts`
import { currentProcess, Process } from "@multitask/core/process";

/** The code the child process runs. */
export function runProc(name: string): void {
  console.log(`Run child process ${name} (${currentProcess().pid})...`);
}

if (import.meta.main) {
  console.log(`Parent process ${currentProcess().pid}.`);
  const p = new Process({
    target: runProc,
    module: import.meta.url,
    args: ["test"],
  });
  console.log("Child process will start.");
  p.start();
  await p.join();
  console.log("Child process end.");
}
