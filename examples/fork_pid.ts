// The Python tutorial's os.fork() demo. Deno cannot fork, so the child is a new Deno
// that runs an exported function (Python's "spawn" start method); the parent
// and the child print their own pids and the child its parent's.
// `deno run -A examples/fork_pid.ts`
import { currentProcess, Process } from "@multitask/core/process";

/** What the child ("pid == 0" branch of the fork) prints. */
export function child(): void {
  const me = currentProcess();
  console.log(`I am child process (${me.pid}) and my parent is ${me.ppid}.`);
}

if (import.meta.main) {
  console.log(`Process (${currentProcess().pid}) start...`);
  const p = new Process({ target: child, module: import.meta.url });
  p.start();
  console.log(
    `I (${currentProcess().pid}) just created a child process (${p.pid}).`,
  );
  await p.join();
}
