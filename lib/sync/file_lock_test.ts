import {
  assertEquals,
  assertIsError,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { startChild } from "../process/_child.ts";
import { describeTarget } from "../_crossing/target.ts";
import { RETURNED } from "../_crossing/outcome.ts";
import { FileLock } from "./file_lock.ts";
import { RuntimeError } from "../errors/base.ts";
import * as targets from "./testdata/file_lock_targets.ts";
import { Tally } from "../process/testdata/process_targets.ts";

const module = new URL("./testdata/file_lock_targets.ts", import.meta.url).href;
const spec = (fn: (...args: never[]) => unknown) =>
  describeTarget(fn, module, "test");

async function tempPath(): Promise<string> {
  return await Deno.makeTempFile({ prefix: "multitask-filelock-" });
}

Deno.test("FileLock held here makes another process's acquire fail, and succeed once released", async () => {
  const path = await tempPath();
  await using child = await startChild({
    name: "Locker",
    daemon: true,
    module,
  });
  const lock = new FileLock(path);
  assertEquals(await lock.acquire(), true);
  assertEquals(await child.invoke(spec(targets.tryFileLock), [path]), [
    RETURNED,
    false,
  ]);
  lock.release();
  assertEquals(await child.invoke(spec(targets.tryFileLock), [path]), [
    RETURNED,
    true,
  ]);
  await Deno.remove(path);
});

Deno.test("FileLock serialises read-modify-write between two processes: no update is lost", async () => {
  const path = await tempPath();
  const counter = await tempPath();
  await Deno.writeTextFile(counter, "0");
  await using a = await startChild({ name: "A", daemon: true, module });
  await using b = await startChild({ name: "B", daemon: true, module });
  const results = await Promise.all([
    a.invoke(spec(targets.countUnderLock), [path, counter, 50]),
    b.invoke(spec(targets.countUnderLock), [path, counter, 50]),
  ]);
  assertEquals(results, [[RETURNED, undefined], [RETURNED, undefined]]);
  assertEquals(await Deno.readTextFile(counter), "100");
  await Deno.remove(path);
  await Deno.remove(counter);
});

Deno.test("a process that dies holding a FileLock releases it", async () => {
  const path = await tempPath();
  const child = await startChild({ name: "Holder", daemon: true, module });
  const held = new Tally();
  const holding = child.invoke(spec(targets.holdForever), [path, held]);
  await held.waitFor(1);
  const lock = new FileLock(path);
  assertEquals(await lock.acquire({ timeout: 0 }), false);
  child.kill("SIGKILL");
  await holding.catch(() => {});
  await child.status;
  assertEquals(await lock.acquire({ timeout: 10_000 }), true);
  lock.release();
  await Deno.remove(path);
});

Deno.test("FileLock in one process: instances exclude each other, timeouts, using, misuse", async (t) => {
  const path = await tempPath();
  await t.step("two instances on one path exclude each other", async () => {
    const a = new FileLock(path);
    const b = new FileLock(path);
    using _ = await a.hold();
    assertEquals(await b.acquire({ timeout: 0 }), false);
    assertEquals(await b.acquire({ timeout: 5 }), false);
  });
  await t.step(
    "one instance queues its own second acquire until release",
    async () => {
      const lock = new FileLock(new URL(`file://${path}`));
      await lock.acquire();
      assertEquals(await lock.acquire({ timeout: 0 }), false);
      const second = lock.acquire();
      lock.release();
      assertEquals(await second, true);
      lock.release();
    },
  );
  await t.step(
    "an aborted signal stops the wait and takes nothing",
    async () => {
      const a = new FileLock(path), b = new FileLock(path);
      await a.acquire();
      const behindOther = new AbortController();
      const waiting = b.acquire({ signal: behindOther.signal }); // polls: a holds it
      const sameInstance = new AbortController();
      const queued = a.acquire({ signal: sameInstance.signal }); // queued behind a's hold
      behindOther.abort(new Error("stop waiting"));
      sameInstance.abort(new Error("stop queueing"));
      const [polled, inLine] = await Promise.allSettled([waiting, queued]);
      assertEquals(
        polled.status === "rejected" && polled.reason.message,
        "stop waiting",
      );
      assertEquals(
        inLine.status === "rejected" && inLine.reason.message,
        "stop queueing",
      );
      assertEquals(b.locked(), false);
      a.release();
      assertEquals(await b.acquire({ timeout: 1000 }), true, "b is not stuck");
      b.release();
      await assertRejects(
        () => b.acquire({ signal: AbortSignal.abort(new Error("already")) }),
        Error,
        "already",
      );
    },
  );
  await t.step("using releases on scope exit", async () => {
    const lock = new FileLock(path);
    {
      using _ = await lock.hold();
      assertEquals(lock.locked(), true);
    }
    assertEquals(lock.locked(), false);
  });
  await t.step("bad input is refused clearly", async () => {
    assertIsError(
      assertThrows(() => new FileLock("")),
      Error,
      /'path' must be a non-empty string/,
    );
    assertIsError(
      assertThrows(() => new FileLock(new URL("https://x/y"))),
      Error,
      /file path or file: URL/,
    );
    assertIsError(
      await assertRejects(() => new FileLock(path).acquire({ timeout: -2 })),
      RangeError,
      /must be a number of milliseconds >= 0.*: received -2/,
    );
    assertThrows(() => new FileLock(path).release(), RuntimeError);
  });
  await Deno.remove(path);
});
