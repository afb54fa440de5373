import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertNotEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  activeCount,
  currentThread,
  enumerate,
  RuntimeError,
  Thread,
} from "./thread.ts";
import {
  addToCell,
  Cell,
  Download,
  echo,
  exitThread,
  fail,
  failLater,
  rejectUnhandled,
  spawnChild,
  spawnUnnamed,
  waitForRelease,
  whoAmI,
} from "./testdata/thread_targets.ts";
import { collectingErrors } from "./testdata/collecting_errors.ts";

const targets = new URL("./testdata/thread_targets.ts", import.meta.url).href;

Deno.test("Thread runs an exported target with structured-cloned arguments and keeps its result", async () => {
  const when = new Date(0);
  const t = new Thread({
    target: echo,
    module: targets,
    args: [1, "two", new Map([["k", 3n]]), when],
  });
  t.start();
  await t.join();
  assertEquals(t.isAlive(), false);
  assertEquals(t.result, [1, "two", new Map([["k", 3n]]), when]);
  assertEquals(t.error, undefined);
});

Deno.test("Thread runs a self-contained function shipped as source", async () => {
  const t = new Thread({
    target: (a: number, b: number) => a * b,
    args: [6, 7],
  });
  t.start();
  await t.join();
  assertEquals(t.result, 42);
});

Deno.test("currentThread() is MainThread here and the thread's own name and ident inside it, from nested calls too", async () => {
  assertEquals({ name: currentThread().name, ident: currentThread().ident }, {
    name: "MainThread",
    ident: 1,
  });
  const t = new Thread({ target: whoAmI, module: targets, name: "Worker-A" });
  t.start();
  await t.join();
  assertEquals(t.result, {
    name: "Worker-A",
    ident: t.ident,
    nested: "Worker-A",
  });
});

Deno.test("Threads get Thread-N names numbered in order and unique idents set by start()", async () => {
  const a = new Thread({ target: () => {} });
  const b = new Thread({ target: () => {} });
  const na = Number(/^Thread-(\d+)$/.exec(a.name)?.[1]);
  const nb = Number(/^Thread-(\d+)$/.exec(b.name)?.[1]);
  assert(na > 0, a.name);
  assertEquals(nb, na + 1);
  assertEquals(a.ident, null);
  a.start();
  b.start();
  await Promise.all([a.join(), b.join()]);
  assertEquals(typeof a.ident, "number");
  assertNotEquals(a.ident, b.ident);
  assert(a.ident! > 1 && b.ident! > 1);
});

Deno.test("an error in a thread goes to Thread.excepthook and thread.error, and join() still resolves", async () => {
  await collectingErrors(async (seen) => {
    const t = new Thread({ target: fail, module: targets, name: "Failing" });
    t.start();
    await t.join();
    assertEquals(seen.length, 1);
    assertStrictEquals(seen[0].thread, t);
    const error = t.error as Error & { code?: number };
    assertStrictEquals(seen[0].error, error);
    assertEquals(error.name, "NotFound");
    assertEquals(error.message, "no such page");
    assertEquals(error.code, 404);
    assertMatch(error.stack ?? "", /thread_targets\.ts/);
  });
});

Deno.test("the default excepthook prints 'Exception in thread NAME' and the stack to stderr", async () => {
  const script = `
    import {
  Thread,
} from ${JSON.stringify(new URL("./thread.ts", import.meta.url).href)};
    import {
  fail,
} from ${JSON.stringify(targets)};
    const t = new Thread({ target: fail, module: ${
    JSON.stringify(targets)
  }, name: "Oops" });
    t.start();
    await t.join();
    console.log("joined", t.isAlive());
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals(stdout, "joined false\n");
  assertMatch(
    stderr,
    /^Exception in thread Oops:\nNotFound: no such page\n\s+at /,
  );
});

Deno.test("a shipped function that uses an outer variable fails with the closure rule explained", async () => {
  const outer = 5;
  await collectingErrors(async () => {
    const t = new Thread({ target: () => outer + 1 });
    t.start();
    await t.join();
    assertEquals(t.error?.name, "ReferenceError");
    assertMatch(t.error!.message, /outer is not defined/);
    assertMatch(t.error!.message, /Pass outer as an argument/);
  });
});

Deno.test("start() twice throws RuntimeError; join() before start() rejects with RuntimeError", async () => {
  const t = new Thread({ target: () => {}, name: "Once" });
  const e = await assertRejects(() => t.join(), RuntimeError);
  assertMatch(e.message, /not been started/);
  t.start();
  const e2 = assertThrows(() => t.start(), RuntimeError);
  assertMatch(e2.message, /only be started once/);
  await t.join();
  assertThrows(() => {
    t.daemon = true;
  }, RuntimeError);
});

Deno.test("join(timeout) resolves while the thread is still alive; join() waits for the end", async () => {
  const view = new Int32Array(new SharedArrayBuffer(8));
  const t = new Thread({
    target: waitForRelease,
    module: targets,
    args: [view],
  });
  t.start();
  await t.join(1);
  assertEquals(t.isAlive(), true);
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await t.join();
  assertEquals(t.isAlive(), false);
  assertEquals(t.result, "released");
  await assertRejects(
    () => new Thread({ target: () => {} }).join(-1),
    RuntimeError,
  );
});

Deno.test("join(-1) waits for the end, as join() does", async () => {
  const view = new Int32Array(new SharedArrayBuffer(8));
  const t = new Thread({
    target: waitForRelease,
    module: targets,
    args: [view],
  });
  t.start();
  const joined = t.join(-1);
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await joined;
  assertEquals(t.result, "released");
});

Deno.test("join() rejects a negative timeout other than -1 (forever)", async () => {
  const t = new Thread({
    target: waitForRelease,
    module: targets,
    args: [new Int32Array(new SharedArrayBuffer(8))],
  });
  t.start();
  assertIsError(
    await assertRejects(() => t.join(-2)),
    Error,
    /'timeout' must be a number of milliseconds >= 0, or -1 \(or undefined\) to wait forever: received -2/,
  );
  await t.terminate();
});

Deno.test("terminate() stops a thread blocked forever, and join() resolves", async () => {
  const view = new Int32Array(new SharedArrayBuffer(8));
  const t = new Thread({
    target: waitForRelease,
    module: targets,
    args: [view],
  });
  t.start();
  // The thread says it is blocked; a thread that never says so fails the
  // test in 30 s instead of hanging it.
  await deadline(
    (async () => {
      while (Atomics.load(view, 0) === 0) {
        await Atomics.waitAsync(view, 0, 0, 50).value;
      }
    })(),
    30_000,
  );
  assertEquals(t.isAlive(), true);
  await t.terminate();
  await t.join();
  assertEquals(t.isAlive(), false);
  assertEquals(t.result, undefined);
});

Deno.test("await using terminates a thread still running at scope exit", async () => {
  const view = new Int32Array(new SharedArrayBuffer(8));
  let thread: Thread;
  {
    await using t = new Thread({
      target: waitForRelease,
      module: targets,
      args: [view],
    });
    thread = t;
    t.start();
  }
  assertEquals(thread.isAlive(), false);
});

Deno.test("new Thread() validates its options up front", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ["nothing to run", {}, /nothing to run/],
    [
      "target not a function",
      { target: 5 },
      /'target' must be a function: received number/,
    ],
    [
      "args not an array",
      { target: () => {}, args: "x" },
      /'args' must be an array/,
    ],
    [
      "name not a string",
      { target: () => {}, name: 3 },
      /'name' must be a string/,
    ],
    [
      "daemon not a boolean",
      { target: () => {}, daemon: "yes" },
      /'daemon' must be a boolean/,
    ],
    [
      "module not a URL",
      { target: echo, module: "./x.ts" },
      /'module' must be an absolute URL/,
    ],
    [
      "anonymous exported target",
      { target: [() => {}][0], module: targets },
      /no usable name/,
    ],
  ];
  for (const [label, options, message] of cases) {
    await t.step(label, () => {
      assertIsError(
        assertThrows(() => new Thread(options as never)),
        Error,
        message,
      );
    });
  }
});

Deno.test("enumerate() and activeCount() list the current thread and the live threads it started", async () => {
  const view = new Int32Array(new SharedArrayBuffer(8));
  const before = activeCount();
  const t = new Thread({
    target: waitForRelease,
    module: targets,
    args: [view],
    name: "Listed",
  });
  t.start();
  assertEquals(activeCount(), before + 1);
  assertEquals(enumerate()[0].name, "MainThread");
  assert(enumerate().includes(t));
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await t.join();
  assertEquals(activeCount(), before);
  assert(!enumerate().includes(t));
});

Deno.test("a thread can start threads of its own", async () => {
  const t = new Thread({ target: spawnChild, module: targets, name: "Parent" });
  t.start();
  await t.join();
  assertEquals(t.result, "Parent started Child");
});

async function runScript(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = new URL("./testdata/thread_daemon.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000), // a hang guard, not a timing assertion
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

Deno.test("a daemon thread that never ends does not keep the program alive", async () => {
  const { code, stdout, stderr } = await runScript();
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "daemon started\nmain ended\n");
});

Deno.test("a non-daemon thread that finishes after the main module ends is waited for", async () => {
  const { code, stdout, stderr } = await runScript("late");
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "daemon started\nmain ended\nnon-daemon finished\n");
});

Deno.test("joining a daemon thread waits for it", async () => {
  const { code, stdout, stderr } = await runScript("join");
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "daemon joined\nmain ended, alive: false\n");
});

Deno.test("an error the target did not await ends the thread like one it threw", async (t) => {
  const cases: [string, () => Promise<never>, string, string][] = [
    ["a throwing timer", failLater, "RangeError", "thrown from a timer"],
    [
      "an unhandled rejection",
      rejectUnhandled,
      "EvalError",
      "nobody caught me",
    ],
  ];
  for (const [label, target, name, message] of cases) {
    await t.step(label, async () => {
      await collectingErrors(async (seen) => {
        const thread = new Thread({ target, module: targets });
        thread.start();
        await thread.join();
        assertEquals(thread.isAlive(), false);
        assertEquals(thread.error?.name, name);
        assertEquals(thread.error?.message, message);
        assertMatch(thread.error?.stack ?? "", /thread_targets\.ts/);
        assertEquals(seen.length, 1);
      });
    });
  }
});

Deno.test("daemon threads (node:worker_threads, which can be unref'd) run targets, subclasses, handles and errors as other threads (Web Workers) do", async (t) => {
  for (const daemon of [false, true]) {
    await t.step(daemon ? "daemon" : "non-daemon", async () => {
      await collectingErrors(async (seen) => {
        const cell = new Cell();
        const plain = new Thread({
          target: addToCell,
          module: targets,
          args: [cell, 10],
          daemon,
        });
        const sub = new Download("x.bin");
        sub.daemon = daemon;
        const failing = new Thread({ target: fail, module: targets, daemon });
        const late = new Thread({
          target: rejectUnhandled,
          module: targets,
          daemon,
        });
        const exiting = new Thread({
          target: exitThread,
          module: targets,
          daemon,
        });
        const threads = [plain, sub, failing, late, exiting];
        for (const thread of threads) thread.start();
        for (const thread of threads) await thread.join();
        assertEquals(plain.result, true);
        assertEquals(cell.view[0], 10);
        assertEquals(sub.result, `${sub.name}:true:x.bin:5:true`);
        assertEquals(failing.error?.name, "NotFound");
        assertEquals(late.error?.name, "EvalError");
        // Deno.exit ends the thread only, quietly (Python's SystemExit).
        assertEquals(exiting.isAlive(), false);
        assertEquals(exiting.error, undefined);
        assertEquals(seen.length, 2);
        const blocked = new Thread({
          target: waitForRelease,
          module: targets,
          args: [new Int32Array(new SharedArrayBuffer(8))],
          daemon,
        });
        blocked.start();
        await blocked.join(1);
        assertEquals(blocked.isAlive(), true);
        await blocked.terminate();
        assertEquals(blocked.isAlive(), false);
      });
    });
  }
});

Deno.test("a thread prints like Python's repr: initial, started with its ident, stopped", async () => {
  const view = new Int32Array(new SharedArrayBuffer(8));
  const t = new Thread({
    target: waitForRelease,
    module: targets,
    args: [view],
    name: "Shown",
    daemon: true,
  });
  assertEquals(String(t), "<Thread(Shown, initial daemon)>");
  t.start();
  assertEquals(Deno.inspect(t), `<Thread(Shown, started ${t.ident} daemon)>`);
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await t.join();
  assertEquals(`${t}`, `<Thread(Shown, stopped ${t.ident} daemon)>`);
});

Deno.test("names and idents of threads started inside threads are unique process-wide; daemon is inherited", async () => {
  const inner = new Thread({
    target: spawnUnnamed,
    module: targets,
    daemon: true,
  });
  inner.start();
  await inner.join();
  const outer = new Thread({ target: () => {} });
  const [childName, childIdent, childDaemon] = inner.result as [
    string,
    number,
    boolean,
  ];
  outer.start();
  await outer.join();
  assertMatch(childName, /^Thread-\d+$/);
  assertNotEquals(childName, outer.name);
  assertNotEquals(childName, inner.name);
  assertEquals(new Set([inner.ident, childIdent, outer.ident]).size, 3);
  assertEquals(childDaemon, true);
});
