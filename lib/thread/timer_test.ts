import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { FakeTime } from "@std/testing/time";
import { RuntimeError, Thread, Timer } from "./mod.ts";
import { Value } from "../sync/mod.ts";
import { echo, fail, waitForRelease } from "./testdata/thread_targets.ts";

const TARGETS = new URL("./testdata/thread_targets.ts", import.meta.url).href;

/** Sets the shared cell to `to`: proof that the target ran, and with what. */
function mark(cell: Value, to: number): void {
  cell.value = to;
}

Deno.test("Timer runs its target in a thread once the delay is over, not before", async () => {
  const cell = new Value("i32", 0);
  const timer = new Timer(500, mark, [cell, 7]);
  assertInstanceOf(timer, Thread);
  {
    using time = new FakeTime();
    timer.start();
    assert(timer.isAlive(), "alive while it waits");
    await time.tickAsync(499);
    assertEquals(timer.ident, null, "no thread started before the delay");
    await time.tickAsync(1);
    assert(timer.ident !== null, "the thread starts when the delay is over");
  }
  await timer.join();
  assertEquals(cell.value, 7);
  assertEquals(timer.isAlive(), false);
  assertEquals(timer.error, undefined);
});

Deno.test("Timer.cancel() while it waits: the target never runs", async () => {
  const cell = new Value("i32", 0);
  const timer = new Timer(60_000, mark, [cell, 1]);
  timer.start();
  timer.cancel();
  assertEquals(timer.isAlive(), false);
  await timer.join();
  assertEquals(timer.ident, null, "no thread was ever started");
  assertEquals(cell.value, 0);
  assertEquals(String(timer), `<Timer(${timer.name}, cancelled)>`);
});

Deno.test("Timer.cancel() before start(): start() then ends at once, as in Python", async () => {
  const cell = new Value("i32", 0);
  const timer = new Timer(0, mark, [cell, 1]);
  timer.cancel();
  timer.start();
  await timer.join();
  assertEquals([cell.value, timer.isAlive()], [0, false]);
  assertThrows(() => timer.start(), RuntimeError, "only be started once");
});

Deno.test("Timer.cancel() once the target runs changes nothing", async () => {
  const view = new Int32Array(new SharedArrayBuffer(8));
  const timer = new Timer(0, waitForRelease, [view], { module: TARGETS });
  timer.start();
  for (let second = 0; Atomics.load(view, 0) === 0; second++) {
    if (second === 60) throw new Error("the target did not start in 60 s");
    await Atomics.waitAsync(view, 0, 0, 1000).value;
  }
  timer.cancel();
  assert(timer.isAlive());
  Atomics.store(view, 1, 1);
  Atomics.notify(view, 1);
  await timer.join();
  assertEquals(timer.result, "released");
});

Deno.test("Timer takes targets as Thread does: an exported function with its module", async () => {
  const timer = new Timer(1, echo, ["a", 2], { module: TARGETS, name: "Echo" });
  timer.start();
  await timer.join();
  assertEquals(timer.result, ["a", 2]);
  assertEquals(timer.name, "Echo");
  assertEquals(String(timer).startsWith("<Timer(Echo, stopped "), true);
});

Deno.test("Timer.join(timeout) returns after the timeout while it still waits", async () => {
  const timer = new Timer(60_000, () => "late");
  timer.start();
  await timer.join(1);
  assert(timer.isAlive());
  assertEquals(String(timer), `<Timer(${timer.name}, waiting 60000 ms)>`);
  await timer.terminate();
  assertEquals(timer.isAlive(), false);
});

Deno.test("Timer reports a target's error as a Thread does", async () => {
  const errors: string[] = [];
  const hook = Thread.excepthook;
  Thread.excepthook = ({ error, thread }) => {
    errors.push(`${thread.name}: ${error.message}`);
  };
  try {
    const timer = new Timer(0, fail, [], { module: TARGETS, name: "Failing" });
    timer.start();
    await timer.join();
    assertEquals(timer.error?.name, "NotFound");
    assertEquals(errors, ["Failing: no such page"]);
  } finally {
    Thread.excepthook = hook;
  }
});

Deno.test("Timer reports arguments that cannot be cloned when the delay is over", async () => {
  const errors: Error[] = [];
  const hook = Thread.excepthook;
  Thread.excepthook = ({ error }) => void errors.push(error);
  try {
    const timer = new Timer(0, (_: unknown) => {}, [() => "a function"]);
    timer.start();
    await timer.join();
    assertInstanceOf(timer.error, TypeError);
    assertStrictEquals(errors[0], timer.error);
    assertEquals(timer.isAlive(), false);
  } finally {
    Thread.excepthook = hook;
  }
});

Deno.test("Timer refuses bad delays, targets and joins", async (t) => {
  for (const ms of [NaN, -1, Infinity]) {
    await t.step(`delay ${ms}`, () => {
      assertThrows(
        () => new Timer(ms, () => {}),
        RangeError,
        `its delay must be a finite number of milliseconds >= 0: received ${ms}.`,
      );
    });
  }
  await t.step("a target that is not a function", () => {
    assertThrows(
      () => new Timer(1, "mark" as never),
      TypeError,
      "its target must be a function: received string",
    );
  });
  await t.step("join() before start()", async () => {
    await assertRejects(
      () => new Timer(1, () => {}).join(),
      RuntimeError,
      "has not been started",
    );
  });
});

Deno.test("a daemon Timer does not keep the program alive; a non-daemon one does", async () => {
  const program = new URL("./testdata/timer_program.ts", import.meta.url);
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", program.pathname],
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const out = new TextDecoder().decode(child.stdout);
  assertEquals(
    out,
    "main ended\nnon-daemon fired\n",
    new TextDecoder().decode(child.stderr),
  );
  assertEquals(child.code, 0);
});
