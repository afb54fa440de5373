import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import { currentProcess, Process, RuntimeError } from "./process.ts";
import {
  addRemote,
  Counting,
  fail,
  Point,
  sleepForever,
  Tally,
  Wrapped,
} from "./testdata/process_targets.ts";

const module = new URL("./testdata/process_targets.ts", import.meta.url).href;
const scripts =
  new URL("./testdata/process_scripts.ts", import.meta.url).pathname;

function exists(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** `ps -o stat= -p pid`: "" once the pid is gone, "Z" for a zombie. */
async function psStat(pid: number): Promise<string> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "stat=", "-p", String(pid)],
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

/** The state letter in /proc/<pid>/stat ("S", "R", "Z"...), null once reaped. */
function state(pid: number): string | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return null;
  }
}

// A child whose parent died is reaped by init; this container's init reaps
// lazily, so a dead, re-parented zombie counts as stopped.
async function stopped(pid: number): Promise<boolean> {
  const dead = () => state(pid) === null || state(pid) === "Z";
  for (let i = 0; i < 400 && !dead(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return dead();
}

function script(mode: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", scripts, mode],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(60_000), // a hang fails instead of blocking the suite
  }).spawn();
}

async function firstLines(
  child: Deno.ChildProcess,
  count: number,
): Promise<string[]> {
  const lines: string[] = [];
  let text = "";
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  // A child that never prints fails the test in 30 s instead of hanging it.
  await deadline(
    (async () => {
      while (lines.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        const parts = text.split("\n");
        text = parts.pop()!;
        lines.push(...parts);
      }
    })(),
    30_000,
  ).finally(() => reader.cancel()); // the rest is not needed
  return lines;
}

Deno.test("Process validates its options up front", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ["no options", undefined, /options must be an object/],
    [
      "target not a function",
      { target: 42 },
      /'target' must be a function: received number/,
    ],
    [
      "args not an array",
      { target: fail, module, args: "x" },
      /'args' must be an array/,
    ],
    [
      "empty name",
      { target: fail, module, name: "" },
      /'name' must be a non-empty string/,
    ],
    [
      "daemon not boolean",
      { target: fail, module, daemon: "yes" },
      /'daemon' must be a boolean/,
    ],
    [
      "module not a URL",
      { target: fail, module: "./x.ts" },
      /'module' must be an absolute URL/,
    ],
    [
      "unknown permission",
      { target: fail, module, permissions: { gpu: true } },
      /unknown kind 'gpu'/,
    ],
  ];
  for (const [name, options, message] of cases) {
    await t.step(name, () => {
      assertIsError(
        assertThrows(() => new Process(options as never)),
        Error,
        message,
      );
    });
  }
});

Deno.test("Process names count up, currentProcess() is MainProcess here", () => {
  const a = new Process({ target: fail, module });
  const b = new Process({ target: fail, module, name: "custom" });
  const c = new Process({ target: fail, module });
  assertMatch(a.name, /^Process-\d+$/);
  assertEquals(Number(c.name.slice(8)), Number(a.name.slice(8)) + 1);
  assertEquals(b.name, "custom");
  assertEquals(currentProcess(), {
    pid: Deno.pid,
    ppid: Deno.ppid,
    name: "MainProcess",
  });
  assertEquals(a.pid, null);
  assertEquals(a.exitCode, null);
  assertEquals(a.isAlive(), false);
});

Deno.test("start() twice, join() before start() and unsendable args are clear errors", async () => {
  const p = new Process({ target: fail, module, args: ["x"] });
  await assertRejects(() => p.join(), RuntimeError);
  await p.terminate(); // nothing to stop yet
  const bad = new Process({ target: fail, module, args: [() => 1] });
  assertIsError(
    assertThrows(() => bad.start()),
    Error,
    /args cannot be sent to another process/,
  );
  p.start();
  assertThrows(() => p.start(), RuntimeError);
  assertIsError(
    assertThrows(() => (p.daemon = true)),
    Error,
    /already started/,
  );
  await p.join();
  assertEquals(p.exitCode, 1);
});

Deno.test("kill() then join() leaves no zombie and exitCode is -9", async () => {
  const p = new Process({ target: sleepForever, module });
  p.start();
  const pid = p.pid!;
  assert(pid > 0);
  assertEquals(p.isAlive(), true);
  assertEquals(p.exitCode, null);
  p.kill();
  await p.join();
  assertEquals(p.exitCode, -9);
  assertEquals(p.isAlive(), false);
  assertEquals(
    await psStat(pid),
    "",
    "ps no longer lists the child (not even as <defunct>)",
  );
});

Deno.test("join(timeout) returns while the child still runs; asyncDispose terminates it", async () => {
  let pid = 0;
  {
    await using p = new Process({ target: sleepForever, module });
    p.start();
    pid = p.pid!;
    await p.join(1);
    assertEquals(p.isAlive(), true);
    assertEquals(p.exitCode, null);
  }
  assertEquals(exists(pid), false);
});

Deno.test("terminate() and kill() resolve once the child is gone, as Thread.terminate() does", async (t) => {
  for (const [how, code] of [["terminate", -15], ["kill", -9]] as const) {
    await t.step(how, async () => {
      const p = new Process({ target: sleepForever, module });
      p.start();
      const pid = p.pid!;
      await p[how]();
      assertEquals(p.isAlive(), false);
      assertEquals(p.exitCode, code);
      assertEquals(exists(pid), false);
      await p[how](); // already stopped: resolves again
    });
  }
});

Deno.test("a Process subclass with run() runs in the child with its fields, live handles and classes, as a Thread subclass does", async () => {
  const tally = new Tally();
  const p = new Counting(tally, new Point(3, -4));
  p.start();
  await p.join();
  assertEquals(p.exitCode, 0);
  assertEquals(tally.total, 7);
  const wrapped = new Wrapped({ target: addRemote, module, args: [tally, 1] });
  wrapped.start();
  await wrapped.join();
  assertEquals(wrapped.exitCode, 0);
  assertEquals(tally.total, 8);
  assertThrows(
    () =>
      new (class Local extends Process {
        override run() {}
      })({}),
    TypeError,
    "overrides run() but its module is unknown",
  );
});

Deno.test("a live handle passed to a Process reaches the parent's object", async () => {
  const tally = new Tally();
  const p = new Process({ target: addRemote, module, args: [tally, 3] });
  p.start();
  await p.join();
  assertEquals(p.exitCode, 0);
  assertEquals(tally.total, 3);
});

Deno.test("an uncaught error prints the stack from the child and exits 1; a missing export says so", async (t) => {
  await t.step("error", async () => {
    const out = await script("error").output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(stdout, "exitCode 1\n");
    assertMatch(
      stderr,
      /^Process Process-1:\nCustomFailure: boom\n\s+at fail \(.*process_targets\.ts/m,
    );
  });
  await t.step("missing export", async () => {
    const out = await script("missing").output();
    assertEquals(new TextDecoder().decode(out.stdout), "exitCode 1\n");
    assertMatch(
      new TextDecoder().decode(out.stderr),
      /Cannot run target 'nope': .*process_targets\.ts has no exported function named 'nope'/,
    );
  });
});

Deno.test("a daemon child dies when its parent exits", async (t) => {
  for (
    const mode of ["daemon-return", "daemon-deno-exit", "daemon-join-timeout"]
  ) {
    await t.step(mode, async () => {
      const parent = script(mode);
      const [line] = await firstLines(parent, 1);
      const pid = Number(/^child (\d+)$/.exec(line)?.[1]);
      assert(pid > 0, line);
      const status = await parent.status;
      await parent.stderr.cancel();
      assertEquals(status.code, mode === "daemon-deno-exit" ? 3 : 0);
      assert(await stopped(pid), `daemon child ${pid} outlived its parent`);
    });
  }
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    await t.step(`parent killed by ${signal}`, async () => {
      const parent = script("daemon-signal");
      const [childLine] = await firstLines(parent, 2);
      const pid = Number(/^child (\d+)$/.exec(childLine)?.[1]);
      assert(pid > 0, childLine);
      assert(exists(pid));
      parent.kill(signal);
      await parent.status;
      await parent.stderr.cancel();
      assert(
        await stopped(pid),
        `daemon child ${pid} outlived its parent killed by ${signal}`,
      );
    });
  }
});

Deno.test("a non-daemon child outlives the parent's main code and finishes", async () => {
  const out = await script("non-daemon").output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertEquals(
    new TextDecoder().decode(out.stdout),
    "main code done\nchild finished\n",
  );
});

Deno.test("a self-contained target runs in the child and sees its Process name", async () => {
  const path = await Deno.makeTempFile();
  const processModule = new URL("./process.ts", import.meta.url).href;
  const p = new Process({
    name: "Writer",
    target: async (file: string, lib: string) => {
      const { currentProcess } = await import(lib);
      const me = currentProcess();
      await Deno.writeTextFile(file, JSON.stringify(me));
    },
    args: [path, processModule],
  });
  p.start();
  await p.join();
  assertEquals(p.exitCode, 0);
  const me = JSON.parse(await Deno.readTextFile(path));
  assertEquals(me, { pid: p.pid, ppid: Deno.pid, name: "Writer" });
  await Deno.remove(path);
});
