import { assert, assertEquals } from "@std/assert";
import { spawn } from "./mod.ts";
import { gone, isDead } from "./_test_procs.ts";

const PARENT = new URL("./testdata/cleanup_parent.ts", import.meta.url);

/**
 * Starts the parent, reads the pids of the commands it started, lets it end
 * `how` it is told (sending SIGTERM for "sigterm"), and waits for its exit.
 */
async function orphansOf(
  how: "exit" | "throw" | "sigterm",
): Promise<{ pids: Record<string, number>; code: number }> {
  const pidFile = await Deno.makeTempFile();
  try {
    await using parent = spawn(
      [Deno.execPath(), "run", "-A", PARENT.pathname, how, pidFile],
      { stdin: "null", stderr: "null" },
    );
    let head = "";
    for await (const line of parent.lines()) {
      head = line;
      break;
    }
    const pids: Record<string, number> = JSON.parse(head);
    if (how === "sigterm") parent.terminate();
    return { pids, code: await parent.wait() };
  } finally {
    await Deno.remove(pidFile);
  }
}

/** Kills whatever is left, so that a failing test leaves no orphan behind. */
function reap(pids: Record<string, number>): void {
  for (const pid of Object.values(pids)) {
    if (!isDead(pid)) Deno.kill(pid, "SIGKILL");
  }
}

async function assertFate(
  pids: Record<string, number>,
  dead: string[],
  alive: string[],
): Promise<void> {
  try {
    for (const name of dead) {
      assert(
        await gone(pids[name]),
        `${name} (pid ${pids[name]}) outlived its parent`,
      );
    }
    for (const name of alive) {
      assertEquals(isDead(pids[name]), false, `${name} died with its parent`);
    }
  } finally {
    reap(pids);
  }
}

const ALL = ["spawned", "ownSession", "withSignal", "run", "runTimeout"];

Deno.test("commands die when their parent calls Deno.exit(), unless cleanup: false", async () => {
  const { pids, code } = await orphansOf("exit");
  assertEquals(code, 0);
  await assertFate(pids, ALL, ["kept", "runKept"]);
});

Deno.test("commands die when their parent is sent SIGTERM and exits from its listener", async () => {
  const { pids, code } = await orphansOf("sigterm");
  assertEquals(code, 143);
  await assertFate(pids, ALL, ["kept", "runKept"]);
});

Deno.test("commands in the parent's process group die when it dies of an uncaught error (Deno kills them)", async () => {
  const { pids, code } = await orphansOf("throw");
  assertEquals(code, 1);
  // No unload event runs then, and Deno leaves the commands it started
  // `detached` (those in their own session) alone: see CommandOptions.cleanup.
  await assertFate(pids, ["spawned", "run"], []);
});
