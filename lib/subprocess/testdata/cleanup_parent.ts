// A parent for cleanup_test.ts: starts commands every way the library can,
// prints their pids as one JSON line, then ends as Deno.args[0] says.
import { delay } from "@std/async/delay";
import { run, spawn } from "../mod.ts";

const [how, pidFile] = Deno.args;
const SLEEP = ["sleep", "30"];
const quiet = { stdin: "null", stdout: "null", stderr: "null" } as const;
/** run() shows no pid while it runs: this command appends its own to pidFile. */
const reporting = (tag: string) => [
  "sh",
  "-c",
  `echo ${tag} $$ >> "$1"; exec sleep 30`,
  "sh",
  pidFile,
];

const pids: Record<string, number> = {
  spawned: spawn(SLEEP, quiet).pid,
  ownSession: spawn(SLEEP, { ...quiet, startNewSession: true }).pid,
  withSignal: spawn(SLEEP, { ...quiet, signal: new AbortController().signal })
    .pid,
  kept: spawn(SLEEP, { ...quiet, cleanup: false }).pid,
};
run(reporting("run"), { stdout: "null" }).catch(() => {});
run(reporting("runTimeout"), { stdout: "null", timeout: 60_000 }).catch(
  () => {},
);
run(reporting("runKept"), { stdout: "null", cleanup: false }).catch(() => {});
for (let i = 0; i < 1000; i++) {
  const lines = (await Deno.readTextFile(pidFile)).trim().split("\n");
  if (lines.length === 3) {
    for (const [tag, pid] of lines.map((l) => l.split(" "))) {
      pids[tag] = Number(pid);
    }
    break;
  }
  await delay(10);
}
if (how === "sigterm") {
  // The documented recipe: a SIGTERM listener that exits runs the cleanup.
  Deno.addSignalListener("SIGTERM", () => Deno.exit(143));
}
console.log(JSON.stringify(pids));
if (how === "exit") Deno.exit(0);
if (how === "throw") throw new Error("the parent dies of an uncaught error");
