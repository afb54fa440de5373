// Parent programs for lib/process_test.ts, run as real processes:
// `deno run -A lib/testdata/process_scripts.ts <mode>`.
import { currentProcess, Process } from "../process.ts";
import {
  addThenSleep,
  fail,
  printAfter,
  sleepForever,
  Tally,
} from "./process_targets.ts";

const module = new URL("./process_targets.ts", import.meta.url).href;
const mode = Deno.args[0];

function daemon(): Process {
  const p = new Process({ target: sleepForever, module, daemon: true });
  p.start();
  console.log(`child ${p.pid}`);
  return p;
}

async function main(): Promise<void> {
  switch (mode) {
    case "error": {
      const p = new Process({ target: fail, module, args: ["boom"] });
      p.start();
      await p.join();
      console.log(`exitCode ${p.exitCode}`);
      return;
    }
    case "missing": {
      const p = new Process({ target: function nope() {}, module });
      p.start();
      await p.join();
      console.log(`exitCode ${p.exitCode}`);
      return;
    }
    case "daemon-return":
      daemon();
      return;
    case "daemon-join-timeout": {
      const p = daemon();
      await p.join(1);
      console.log(`alive ${p.isAlive()}`);
      return;
    }
    case "daemon-deno-exit":
      daemon();
      Deno.exit(3);
      break;
    case "daemon-signal": {
      // The test kills this parent (SIGTERM or SIGKILL) once the child runs.
      const running = new Tally();
      const p = new Process({
        target: addThenSleep,
        module,
        args: [running],
        daemon: true,
      });
      p.start();
      await running.waitFor(1);
      console.log(`child ${p.pid}`);
      console.log(`parent ${currentProcess().pid}`);
      await sleepForever();
      break;
    }
    case "non-daemon": {
      // The child prints once the parent's main code has printed its last
      // line and ended: the parent must still serve it, and wait for it.
      const said = new Tally();
      const p = new Process({
        target: printAfter,
        module,
        args: ["child finished", said],
      });
      p.start();
      console.log("main code done");
      said.add(1);
      return;
    }
  }
}

await main();
