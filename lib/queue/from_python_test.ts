// What a program ported from Python relies on in lib/queue, each test named
// after the CPython test it mirrors (Lib/test/test_queue.py, Python 3.13 for
// shutdown), checked on the main thread, in worker threads and from child
// processes.

import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { Full, JoinableQueue, Queue, QueueClosed } from "./queue.ts";
import { Process } from "../process/process.ts";
import {
  changeMaxsize,
  closeImmediately,
  getOutcome,
  joinOutcome,
  putAndReport,
  putOutcome,
  putRange,
  runAll,
  setMaxsize,
  takeAndMarkDone,
  takeAndMarkDoneRemotely,
} from "./testdata/python_targets.ts";

const targets = new URL("./testdata/python_targets.ts", import.meta.url).href;
// How long a put waits to be woken: a guard against a lost wake-up, not a
// measure (threads start slowly on a loaded machine).
const GUARD = 60_000;

Deno.test("Queue.maxsize can be changed at run time (test_queue BaseQueueTestMixin.test_shrinking_queue)", async (t) => {
  await t.step("shrinking: a full queue stays full", () => {
    const q = new Queue<number>({ maxsize: 3 });
    for (const n of [1, 2, 3]) q.putNowait(n);
    assertThrows(() => q.putNowait(4), Full);
    assertEquals(q.qsize(), 3);
    q.maxsize = 2;
    assertEquals(q.maxsize, 2);
    assertThrows(() => q.putNowait(4), Full);
    assertEquals(q.qsize(), 3, "nothing is dropped");
    q.maxsize = Infinity;
    q.putNowait(4);
    assertEquals([q.maxsize, q.qsize()], [Infinity, 4]);
  });
  await t.step("growing wakes a put waiting for room", async () => {
    const q = new Queue<string>({ maxsize: 1 });
    q.putNowait("A");
    const waiting = q.put("B", { timeout: GUARD }); // waits: the queue is full
    q.maxsize = 2;
    await waiting;
    assertEquals([q.getNowait(), q.getNowait()], ["A", "B"]);
  });
  await t.step(
    "a thread's change reaches waiting putters everywhere",
    async () => {
      const q = new Queue<string>({ maxsize: 1 });
      q.putNowait("A");
      const mine = q.put("B", { timeout: GUARD });
      const theirs = runAll(putOutcome, [[q, "C"]]);
      // Awaited together: should mine fail first, the step fails with its
      // error instead of an uncaught rejection ending the whole file.
      await Promise.all([mine, runAll(setMaxsize, [[q, 3]])]);
      assertEquals(await theirs, ["put"]);
      assertEquals(q.qsize(), 3);
    },
  );
  await t.step("bad values are refused and change nothing", () => {
    const q = new Queue({ maxsize: 2 });
    for (const bad of [-1, 1.5, NaN, "3" as unknown as number]) {
      assertThrows(
        () => {
          q.maxsize = bad;
        },
        RangeError,
        "'maxsize' must be a non-negative integer",
      );
    }
    assertEquals(q.maxsize, 2);
  });
});

Deno.test("close({ immediate: true }) drops what is left; every later call gets QueueClosed (test_queue BaseQueueTestMixin.test_shutdown_immediate_all_methods_in_one_thread)", async () => {
  const q = new JoinableQueue<string>({ maxsize: 2 });
  await q.put("L");
  q.putNowait("O");
  q.close({ immediate: true });
  assert(q.closed);
  await assertRejects(() => q.put("E"), QueueClosed);
  assertThrows(() => q.putNowait("W"), QueueClosed);
  await assertRejects(() => q.get(), QueueClosed);
  assertThrows(() => q.getNowait(), QueueClosed);
  assertThrows(() => q.taskDone(), RangeError, "more times than items");
  assertEquals([q.qsize(), q.unfinishedTasks], [0, 0]);
  await q.join();
});

Deno.test("close({ immediate: true }) wakes every waiting getter with QueueClosed (test_queue BaseQueueTestMixin.test_shutdown_immediate_get)", async () => {
  const q = new Queue<string>();
  const threads = runAll(getOutcome, [[q], [q]]);
  const mine = q.get().then(() => "got", (error: Error) => error.name);
  q.close({ immediate: true });
  assertEquals(await mine, "QueueClosed");
  assertEquals(await threads, ["QueueClosed", "QueueClosed"]);

  const full = new Queue<string>({ maxsize: 2 });
  full.putNowait("Y");
  full.putNowait("D");
  full.close({ immediate: true });
  assertEquals(await runAll(getOutcome, [[full], [full]]), [
    "QueueClosed",
    "QueueClosed",
  ]);
});

Deno.test("close({ immediate: true }) wakes every waiting putter with QueueClosed (test_queue BaseQueueTestMixin.test_shutdown_immediate_put)", async () => {
  const q = new Queue<string>({ maxsize: 2 });
  q.putNowait("Y");
  q.putNowait("D");
  const threads = runAll(putOutcome, [[q, "E"], [q, "W"]]);
  const mine = q.put("M").then(() => "put", (error: Error) => error.name);
  q.close({ immediate: true });
  assertEquals(await mine, "QueueClosed");
  assertEquals(await threads, ["QueueClosed", "QueueClosed"]);
  assertEquals(q.qsize(), 0);
});

Deno.test("JoinableQueue.unfinishedTasks counts what was put and not yet marked done (test_queue BaseQueueTestMixin.test_shutdown_immediate_put_join)", async (t) => {
  await t.step("an immediate close counts what it drops as done", async () => {
    const q = new JoinableQueue<string>({ maxsize: 2 });
    q.putNowait("Y");
    assertEquals(q.unfinishedTasks, 1);
    const joiner = runAll(joinOutcome, [[q]]);
    const mine = q.join();
    q.close({ immediate: true });
    await mine;
    assertEquals(await joiner, ["joined"]);
    assertEquals(q.unfinishedTasks, 0);
  });
  await t.step(
    "an item taken but not marked done still holds join() (test_shutdown_get_task_done_join)",
    async () => {
      const q = new JoinableQueue<number>();
      q.putNowait(1);
      q.putNowait(2);
      assertEquals(q.unfinishedTasks, q.qsize());
      q.getNowait(); // taken, not done
      q.close({ immediate: true });
      assertEquals(q.unfinishedTasks, 1);
      let joined = false;
      const joining = q.join().then(() => joined = true);
      await new Promise((resolve) => setTimeout(resolve, 0));
      assertEquals(joined, false);
      q.taskDone();
      await joining;
    },
  );
  await t.step(
    "threads putting and marking done at once lose no count",
    async () => {
      const q = new JoinableQueue<number>();
      const per = 3000;
      const [, sums] = await Promise.all([
        runAll(putRange, [[q, 0, per], [q, per, per]]),
        runAll(takeAndMarkDone, [[q, per], [q, per]]),
      ]);
      const total = 2 * per;
      assertEquals(
        (sums as number[]).reduce((a, b) => a + b),
        (total * (total - 1)) / 2,
      );
      assertEquals(q.unfinishedTasks, 0);
      await q.join();
    },
  );
});

Deno.test("maxsize, close({ immediate: true }) and unfinishedTasks work from child processes (test_queue BaseQueueTestMixin.test_shrinking_queue, test_shutdown_immediate_put, test_shutdown_immediate_put_join)", async (t) => {
  const child = async (
    target: (...args: never[]) => unknown,
    args: unknown[],
  ) => {
    const p = new Process({
      target: target as (...a: unknown[]) => unknown,
      module: targets,
      args,
    });
    p.start();
    await p.join();
    assertEquals(p.exitCode, 0);
  };
  await t.step(
    "a child raises maxsize: a put waiting here goes in",
    async () => {
      const q = new Queue<string>({ maxsize: 1 });
      q.putNowait("A");
      const waiting = q.put("B", { timeout: 30_000 });
      const report = new Queue<string>();
      await child(changeMaxsize, [q, 2, report]);
      assertEquals(report.getNowait(), "set");
      await waiting;
      assertEquals([q.maxsize, q.qsize()], [2, 2]);
      await child(changeMaxsize, [q, -1, report]);
      assertMatch(
        report.getNowait(),
        /^RangeError: Cannot set the queue's maxsize as 'maxsize' must be a non-negative integer.*received -1$/,
      );
      assertEquals(q.maxsize, 2, "a refused value changes nothing");
    },
  );
  await t.step(
    "a child's immediate close drops what is left and ends waiters here and there",
    async () => {
      const q = new JoinableQueue<string>({ maxsize: 2 });
      q.putNowait("Y");
      q.putNowait("D");
      assertEquals(q.unfinishedTasks, 2);
      const mine = q.put("M").then(() => "put", (error: Error) => error.name);
      const report = new Queue<string>();
      const putter = new Process({
        target: putAndReport as (...a: unknown[]) => unknown,
        module: targets,
        args: [q, report, "E"],
      });
      putter.start();
      await child(closeImmediately, [q]);
      assertEquals(await mine, "QueueClosed");
      assertEquals(await report.get({ timeout: 30_000 }), "QueueClosed");
      await putter.join();
      assertEquals([q.qsize(), q.unfinishedTasks], [0, 0]);
      await q.join();
    },
  );
  await t.step("a child's taskDone() calls count here", async () => {
    const q = new JoinableQueue<number>();
    for (let n = 0; n < 5; n++) q.putNowait(n);
    await child(takeAndMarkDoneRemotely, [q, 3]);
    assertEquals([q.qsize(), q.unfinishedTasks], [2, 2]);
    q.close({ immediate: true });
    assertEquals(q.unfinishedTasks, 0);
    await q.join();
  });
});
