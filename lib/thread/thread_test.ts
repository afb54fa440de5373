import assert from "node:assert/strict";
import {
  activeCount,
  currentThread,
  enumerate,
  type ExceptHookArgs,
  RuntimeError,
  Thread,
} from "./thread.ts";
import {
  Account,
  AddMoney,
  addToCell,
  Cell,
  depositTo,
  Download,
  echo,
  fail,
  failLater,
  makeHidden,
  makeUnexported,
  rejectUnhandled,
  spawnChild,
  spawnUnnamed,
  waitForRelease,
  whoAmI,
  Wrapped,
} from "./testdata/thread_targets.ts";
import { useWorkerKind, workerKind } from "../_crossing/worker_port.ts";

const targets = new URL("./testdata/thread_targets.ts", import.meta.url).href;

/** Runs fn with Thread.excepthook collecting errors instead of printing them. */
async function collectingErrors(
  fn: (seen: ExceptHookArgs[]) => Promise<void>,
): Promise<void> {
  const saved = Thread.excepthook;
  const seen: ExceptHookArgs[] = [];
  Thread.excepthook = (args) => seen.push(args);
  try {
    await fn(seen);
  } finally {
    Thread.excepthook = saved;
  }
}

Deno.test("Thread runs an exported target with structured-cloned arguments and keeps its result", async () => {
  const when = new Date(0);
  const t = new Thread({
    target: echo,
    module: targets,
    args: [1, "two", new Map([["k", 3n]]), when],
  });
  t.start();
  await t.join();
  assert.equal(t.isAlive(), false);
  assert.deepEqual(t.result, [1, "two", new Map([["k", 3n]]), when]);
  assert.equal(t.error, undefined);
});

Deno.test("Thread runs a self-contained function shipped as source", async () => {
  const t = new Thread({
    target: (a: number, b: number) => a * b,
    args: [6, 7],
  });
  t.start();
  await t.join();
  assert.equal(t.result, 42);
});

Deno.test("currentThread() is MainThread here and the thread's own name and ident inside it, from nested calls too", async () => {
  assert.deepEqual(
    { name: currentThread().name, ident: currentThread().ident },
    { name: "MainThread", ident: 1 },
  );
  const t = new Thread({ target: whoAmI, module: targets, name: "Worker-A" });
  t.start();
  await t.join();
  assert.deepEqual(t.result, {
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
  assert.ok(na > 0, a.name);
  assert.equal(nb, na + 1);
  assert.equal(a.ident, null);
  a.start();
  b.start();
  await Promise.all([a.join(), b.join()]);
  assert.equal(typeof a.ident, "number");
  assert.notEqual(a.ident, b.ident);
  assert.ok(a.ident! > 1 && b.ident! > 1);
});

Deno.test("an error in a thread goes to Thread.excepthook and thread.error, and join() still resolves", async () => {
  await collectingErrors(async (seen) => {
    const t = new Thread({ target: fail, module: targets, name: "Failing" });
    t.start();
    await t.join();
    assert.equal(seen.length, 1);
    assert.equal(seen[0].thread, t);
    const error = t.error as Error & { code?: number };
    assert.equal(seen[0].error, error);
    assert.equal(error.name, "NotFound");
    assert.equal(error.message, "no such page");
    assert.equal(error.code, 404);
    assert.match(error.stack ?? "", /thread_targets\.ts/);
  });
});

Deno.test("the default excepthook prints 'Exception in thread NAME' and the stack to stderr", async () => {
  const script = `
    import { Thread } from ${
    JSON.stringify(new URL("./thread.ts", import.meta.url).href)
  };
    import { fail } from ${JSON.stringify(targets)};
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
  assert.equal(out.code, 0, stderr);
  assert.equal(stdout, "joined false\n");
  assert.match(
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
    assert.equal(t.error?.name, "ReferenceError");
    assert.match(t.error!.message, /outer is not defined/);
    assert.match(t.error!.message, /Pass outer as an argument/);
  });
});

Deno.test("start() twice throws RuntimeError; join() before start() rejects with RuntimeError", async () => {
  const t = new Thread({ target: () => {}, name: "Once" });
  await assert.rejects(
    t.join(),
    (e: Error) =>
      e instanceof RuntimeError && /not been started/.test(e.message),
  );
  t.start();
  assert.throws(
    () => t.start(),
    (e: Error) =>
      e instanceof RuntimeError && /only be started once/.test(e.message),
  );
  await t.join();
  assert.throws(() => {
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
  assert.equal(t.isAlive(), true);
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await t.join();
  assert.equal(t.isAlive(), false);
  assert.equal(t.result, "released");
  await assert.rejects(new Thread({ target: () => {} }).join(-1), RuntimeError);
});

Deno.test("join() rejects a negative timeout", async () => {
  const t = new Thread({
    target: waitForRelease,
    module: targets,
    args: [new Int32Array(new SharedArrayBuffer(8))],
  });
  t.start();
  await assert.rejects(t.join(-1), /'timeout' must be a non-negative number/);
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
  while (Atomics.load(view, 0) === 0) {
    await Atomics.waitAsync(view, 0, 0, 50).value;
  }
  assert.equal(t.isAlive(), true);
  await t.terminate();
  await t.join();
  assert.equal(t.isAlive(), false);
  assert.equal(t.result, undefined);
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
  assert.equal(thread.isAlive(), false);
});

Deno.test("library objects in the arguments arrive as live handles, even in a target that never imported their module", async () => {
  const cell = new Cell();
  const a = new Thread({
    target: addToCell,
    module: targets,
    args: [cell, 1000],
  });
  const b = new Thread({
    target: (box: { cell: { add(n: number): number } }) => {
      for (let i = 0; i < 1000; i++) box.cell.add(1);
      return box.cell.constructor.name;
    },
    args: [{ cell }],
  });
  a.start();
  b.start();
  await Promise.all([a.join(), b.join()]);
  assert.equal(a.result, true);
  assert.equal(b.result, "Cell");
  assert.equal(cell.view[0], 2000);
});

Deno.test("arguments that cannot be cloned make start() throw a TypeError and leave the thread unstarted", () => {
  const t = new Thread({ target: echo, module: targets, args: [() => 1] });
  assert.throws(
    () => t.start(),
    (e: Error) => e instanceof TypeError && /cannot be cloned/.test(e.message),
  );
  assert.equal(t.isAlive(), false);
  assert.equal(t.ident, null);
});

Deno.test("a Thread subclass exported from its module runs its run() with its fields, name and ident", async () => {
  const t = new Download("book.pdf");
  t.start();
  await t.join();
  assert.equal(t.error, undefined);
  assert.equal(t.result, `${t.name}:true:book.pdf:8:true`);
});

Deno.test("a Thread subclass that is not exported fails with an error naming the module, the class and the fix", async () => {
  await collectingErrors(async () => {
    const t = makeHidden();
    t.start();
    await t.join();
    assert.equal(t.error?.name, "TargetError");
    assert.match(
      t.error!.message,
      /thread_targets\.ts has no exported class named 'Hidden'/,
    );
    assert.match(t.error!.message, /export class Hidden extends Thread/);
  });
});

Deno.test("a Thread subclass without a module is refused at construction", () => {
  class Local extends Thread {
    override run(): void {}
  }
  assert.throws(() => new Local(), /super\(\{ module: import\.meta\.url \}\)/);
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
      assert.throws(() => new Thread(options as never), message);
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
  assert.equal(activeCount(), before + 1);
  assert.equal(enumerate()[0].name, "MainThread");
  assert.ok(enumerate().includes(t));
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await t.join();
  assert.equal(activeCount(), before);
  assert.ok(!enumerate().includes(t));
});

Deno.test("a thread can start threads of its own", async () => {
  const t = new Thread({ target: spawnChild, module: targets, name: "Parent" });
  t.start();
  await t.join();
  assert.equal(t.result, "Parent started Child");
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

for (const kind of ["web", "node"]) {
  const flags = kind === "node" ? ["--node"] : [];
  Deno.test(`a daemon thread that never ends does not keep the program alive (${kind} workers)`, async () => {
    const { code, stdout, stderr } = await runScript(...flags);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "daemon started\nmain ended\n");
  });

  Deno.test(`a non-daemon thread that finishes after the main module ends is waited for (${kind} workers)`, async () => {
    const { code, stdout, stderr } = await runScript("late", ...flags);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "daemon started\nmain ended\nnon-daemon finished\n");
  });
}

Deno.test("instances of classes exported by the target's module arrive with their class and live handles inside", async () => {
  const account = new Account("Alice");
  const viaFunction = new Thread({
    target: depositTo,
    module: targets,
    args: [account, 5],
  });
  viaFunction.start();
  await viaFunction.join();
  assert.equal(viaFunction.result, "true:Alice");
  const viaSubclass = new AddMoney(account, 7);
  viaSubclass.start();
  await viaSubclass.join();
  assert.equal(viaSubclass.error, undefined);
  assert.equal(account.cell.view[0], 12);
});

Deno.test("an instance of a class the target's module does not export fails with an error naming the class and the fix", async () => {
  await collectingErrors(async () => {
    const t = new Thread({
      target: echo,
      module: targets,
      args: [makeUnexported()],
    });
    t.start();
    await t.join();
    assert.equal(t.error?.name, "TypeError");
    assert.match(
      t.error!.message,
      /does not export a class named 'Unexported'/,
    );
    assert.match(t.error!.message, /export Unexported from/);
  });
});

Deno.test("joining a daemon thread waits for it", async () => {
  const { code, stdout, stderr } = await runScript("join");
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "daemon joined\nmain ended, alive: false\n");
});

Deno.test("a subclass's run() can call super.run(), which runs the target inside the thread", async () => {
  const t = new Wrapped();
  t.start();
  await t.join();
  assert.equal(t.error, undefined);
  assert.deepEqual(t.result, ["wrapped", ["a", 1]]);
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
        assert.equal(thread.isAlive(), false);
        assert.equal(thread.error?.name, name);
        assert.equal(thread.error?.message, message);
        assert.match(thread.error?.stack ?? "", /thread_targets\.ts/);
        assert.equal(seen.length, 1);
      });
    });
  }
});

Deno.test("Web Workers are used when Deno has the worker ref switch", () => {
  assert.equal(workerKind, "web");
});

Deno.test("the node:worker_threads fallback runs targets, subclasses, handles and errors the same way", async () => {
  useWorkerKind("node");
  try {
    await collectingErrors(async (seen) => {
      const cell = new Cell();
      const plain = new Thread({
        target: addToCell,
        module: targets,
        args: [cell, 10],
      });
      const sub = new Download("x.bin");
      const failing = new Thread({ target: fail, module: targets });
      const late = new Thread({ target: rejectUnhandled, module: targets });
      for (const thread of [plain, sub, failing, late]) thread.start();
      for (const thread of [plain, sub, failing, late]) await thread.join();
      assert.equal(plain.result, true);
      assert.equal(cell.view[0], 10);
      assert.equal(sub.result, `${sub.name}:true:x.bin:5:true`);
      assert.equal(failing.error?.name, "NotFound");
      assert.equal(late.error?.name, "EvalError");
      assert.equal(seen.length, 2);
      const blocked = new Thread({
        target: waitForRelease,
        module: targets,
        args: [new Int32Array(new SharedArrayBuffer(8))],
      });
      blocked.start();
      await blocked.join(1);
      assert.equal(blocked.isAlive(), true);
      await blocked.terminate();
      assert.equal(blocked.isAlive(), false);
    });
  } finally {
    useWorkerKind("web");
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
  assert.equal(String(t), "<Thread(Shown, initial daemon)>");
  t.start();
  assert.equal(Deno.inspect(t), `<Thread(Shown, started ${t.ident} daemon)>`);
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await t.join();
  assert.equal(`${t}`, `<Thread(Shown, stopped ${t.ident} daemon)>`);
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
  assert.match(childName, /^Thread-\d+$/);
  assert.notEqual(childName, outer.name);
  assert.notEqual(childName, inner.name);
  assert.equal(new Set([inner.ident, childIdent, outer.ident]).size, 3);
  assert.equal(childDaemon, true);
});
