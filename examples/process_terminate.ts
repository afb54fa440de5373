// The Python tutorial's terminate() + join(): terminate() only sends SIGTERM; join()
// waits for the child to be reaped, so no zombie (<defunct>) is left behind.
// `ps -o pid,stat -p <pid>` shows the child before and after.
// `deno run -A examples/process_terminate.ts`
import { delay } from "@std/async/delay";
import { Process } from "@multitask/core/process";
import { Event } from "@multitask/core/sync";

/** Works forever (until terminated). */
export async function work(started: Event): Promise<void> {
  await started.set();
  while (true) await delay(1000);
}

async function ps(pid: number): Promise<string> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "pid,stat", "-p", String(pid)],
  })
    .output();
  const row = new TextDecoder().decode(out.stdout).trim().split("\n")[1];
  return row ? row.trim().replace(/\s+/g, " ") : "(no such process)";
}

if (import.meta.main) {
  const started = new Event();
  const p = new Process({
    target: work,
    module: import.meta.url,
    args: [started],
  });
  p.start();
  await started.wait();
  const pid = p.pid!;
  console.log(`child ${pid} running: ps says ${await ps(pid)}`);
  p.terminate();
  console.log(`after terminate(): isAlive() ${p.isAlive()}`);
  await p.join();
  console.log(`after join(): exitCode ${p.exitCode}, ps says ${await ps(pid)}`);
}
