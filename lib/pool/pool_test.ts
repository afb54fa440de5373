import assert from "node:assert/strict";
import {
  AbortError,
  Pool,
  PoolClosedError,
  PoolFullError,
  type PoolOptions,
  type PoolProgress,
  RuntimeError,
  TimeoutError,
  WorkerCrashedError,
} from "./pool.ts";
import { Value } from "../sync/value.ts";
import { Queue } from "../queue/queue.ts";
import { Event } from "../sync/event.ts";
import { currentThread } from "../thread/thread.ts";
import { liveChildren } from "../process/_child.ts";
import {
  add,
  bump,
  exitWith,
  produce,
  setUp,
  spin,
  square,
  threadName,
  waitFor,
  whoAmI,
  withdraw,
  workerId,
} from "./testdata/pool_tasks.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

Deno.test("Pool.apply() runs self-contained and exported functions and returns their results", async () => {
  await using pool = new Pool({ size: 2 });
  assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
  assert.equal(await pool.apply(add, [2, 40], { module: TASKS }), 42);
  const rich = await pool.apply(
    (m: Map<string, bigint>, d: Date) => ({
      m,
      year: d.getUTCFullYear(),
      big: m.get("x")! * 2n,
    }),
    [new Map([["x", 21n]]), new Date(Date.UTC(2026, 0, 1))],
  );
  assert.deepEqual(rich, { m: new Map([["x", 21n]]), year: 2026, big: 42n });
  assert.equal(
    await pool.apply(async (ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      return "awaited";
    }, [1]),
    "awaited",
  );
});

Deno.test("Pool uses its module option to find exported functions", async () => {
  await using pool = new Pool({ size: 1, module: TASKS });
  assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  await assert.rejects(
    pool.apply(function notExported() {}),
    (error: Error) => {
      assert.equal(error.name, "TargetError");
      assert.match(error.message, /no exported function named 'notExported'/);
      return true;
    },
  );
});

Deno.test("Pool explains a ReferenceError from a function that closed over a variable", async () => {
  await using pool = new Pool({ size: 1 });
  const factor = 3;
  await assert.rejects(
    pool.apply((x: number) => x * factor, [2]),
    (error: Error) => {
      assert.equal(error.name, "ReferenceError");
      assert.match(error.message, /factor is not defined.*shipped as source/s);
      return true;
    },
  );
});

Deno.test("Pool.apply() rejects only the task that threw, keeping its class name, message and stack", async () => {
  await using pool = new Pool({ size: 2, module: TASKS });
  const results = await Promise.allSettled([
    pool.apply(withdraw, [100, 30]),
    pool.apply(withdraw, [10, 30]),
    pool.apply(withdraw, [50, 50]),
  ]);
  assert.deepEqual(results[0], { status: "fulfilled", value: 70 });
  assert.deepEqual(results[2], { status: "fulfilled", value: 0 });
  assert.equal(results[1].status, "rejected");
  const error = (results[1] as PromiseRejectedResult).reason as Error;
  assert.equal(error.name, "InsufficientFunds");
  assert.equal(error.message, "cannot withdraw 30 from 10");
  assert.match(error.stack!, /withdraw .*pool_tasks\.ts/);
  assert.deepEqual(pool.stats, {
    size: 2,
    busy: 0,
    queued: 0,
    completed: 2,
    failed: 1,
  });
});

Deno.test("Pool.apply() rejects only the task whose worker crashed, and replaces the worker", async (t) => {
  await using pool = new Pool({ size: 1, name: "Crashy" });
  const module = TASKS;
  await t.step("Deno.exit inside the task", async () => {
    const before = await pool.apply(workerId, [], { module });
    await assert.rejects(
      pool.apply(exitWith, [3], { module }),
      (error: WorkerCrashedError) => {
        assert.ok(error instanceof WorkerCrashedError);
        assert.match(error.worker, /^Crashy-worker-\d+ \(thread\)$/);
        assert.equal(error.exitCode, 3);
        assert.match(
          error.message,
          /Crashy-worker-\d+ \(thread\) exited with code 3/,
        );
        return true;
      },
    );
    const after = await pool.apply(workerId, [], { module });
    assert.notEqual(after, before, "the crashed worker was replaced");
  });
  await t.step("an error thrown from a timer inside the task", async () => {
    await assert.rejects(
      pool.apply(function escape() {
        setTimeout(() => {
          throw new RangeError("escaped");
        }, 0);
        return new Promise(() => {});
      }),
      (error: WorkerCrashedError) => {
        assert.ok(error instanceof WorkerCrashedError);
        assert.match(error.message, /RangeError: escaped/);
        assert.equal((error.cause as Error).name, "RangeError");
        return true;
      },
    );
    assert.equal(await pool.apply(add, [1, 1], { module }), 2);
  });
  await t.step("tasks queued behind the crash still run", async () => {
    const crash = pool.apply(exitWith, [1], { module });
    const next = [1, 2, 3].map((i) => pool.apply(add, [i, i], { module }));
    await assert.rejects(crash, WorkerCrashedError);
    assert.deepEqual(await Promise.all(next), [2, 4, 6]);
  });
});

Deno.test("Pool timeouts reject with TimeoutError: a queued task is dropped, a running one's worker is replaced", async () => {
  await using pool = new Pool({ size: 1, module: TASKS });
  const stuck = pool.apply(spin, [], { timeout: 300 });
  const queued = pool.apply(add, [1, 2], { timeout: 20 });
  await assert.rejects(queued, (error: Error) => {
    assert.ok(error instanceof TimeoutError);
    assert.match(error.message, /still waiting in the queue, so it never ran/);
    return true;
  });
  await assert.rejects(stuck, (error: Error) => {
    assert.ok(error instanceof TimeoutError);
    assert.match(error.message, /worker .* was terminated and replaced/);
    return true;
  });
  assert.equal(await pool.apply(add, [1, 2]), 3);
  assert.equal(pool.stats.failed, 2);
});

Deno.test("Pool taskTimeout stops a task that runs too long", async () => {
  await using pool = new Pool({ size: 1, module: TASKS, taskTimeout: 100 });
  await assert.rejects(pool.apply(spin), (error: Error) => {
    assert.ok(error instanceof TimeoutError);
    assert.match(error.message, /taskTimeout of 100 ms/);
    return true;
  });
  assert.equal(await pool.apply(add, [2, 2]), 4);
});

Deno.test("Pool.apply() with an aborted signal rejects with AbortError", async (t) => {
  await using pool = new Pool({ size: 1, module: TASKS });
  await t.step("already aborted", async () => {
    const reason = new Error("user gave up");
    await assert.rejects(
      pool.apply(add, [1, 2], { signal: AbortSignal.abort(reason) }),
      (error: Error) => error instanceof AbortError && error.cause === reason,
    );
  });
  await t.step("aborted while queued: dropped, never runs", async () => {
    const controller = new AbortController();
    const blocker = new AbortController();
    const running = pool.apply(spin, [], { signal: blocker.signal });
    const queued = pool.apply(exitWith, [9], { signal: controller.signal });
    controller.abort();
    await assert.rejects(queued, (error: Error) => {
      assert.ok(error instanceof AbortError);
      assert.match(error.message, /while it waited in the queue/);
      return true;
    });
    blocker.abort();
    await assert.rejects(running, (error: Error) => {
      assert.ok(error instanceof AbortError);
      assert.match(
        error.message,
        /while it ran; its worker was terminated and replaced/,
      );
      return true;
    });
  });
  assert.equal(await pool.apply(add, [3, 4]), 7);
});

Deno.test("Pool maxQueue refuses work beyond the limit with PoolFullError", async () => {
  await using pool = new Pool({ size: 1, maxQueue: 1, module: TASKS });
  const blocker = new AbortController();
  const running = pool.apply(spin, [], { signal: blocker.signal });
  const queued = pool.apply(add, [1, 1]);
  await assert.rejects(pool.apply(add, [2, 2]), (error: Error) => {
    assert.ok(error instanceof PoolFullError);
    assert.match(error.message, /already has 1 tasks waiting \(maxQueue: 1\)/);
    return true;
  });
  blocker.abort();
  await assert.rejects(running, AbortError);
  assert.equal(await queued, 2);
});

Deno.test("Pool.map() beyond maxQueue rejects with PoolFullError and leaves the queue consistent", async () => {
  await using pool = new Pool({ size: 1, maxQueue: 2, module: TASKS });
  await assert.rejects(
    pool.map(square, Array.from({ length: 10 }, (_, i) => i), { chunksize: 1 }),
    PoolFullError,
  );
  assert.equal(pool.stats.queued, 0, "the map's queued chunks were dropped");
  assert.deepEqual(await pool.map(square, [1, 2], { chunksize: 1 }), [1, 4]);
});

Deno.test("Pool refuses work after close(), and join() needs close() first", async () => {
  const pool = new Pool({ size: 1 });
  const before = pool.apply(() => "before");
  await assert.rejects(pool.join(), (error: Error) => {
    assert.ok(error instanceof RuntimeError);
    assert.match(error.message, /call pool.close\(\) first/);
    return true;
  });
  pool.close();
  await assert.rejects(pool.apply(() => "after"), (error: Error) => {
    assert.ok(error instanceof PoolClosedError);
    assert.match(error.message, /was closed/);
    return true;
  });
  await assert.rejects(pool.map((x: number) => x, [1]), PoolClosedError);
  await pool.join();
  assert.equal(await before, "before");
});

Deno.test("Pool.terminate() resolves even with a worker stuck in an endless loop", async () => {
  const pool = new Pool({ size: 2, module: TASKS });
  const stuck = [pool.apply(spin), pool.apply(spin)];
  const waiting = pool.apply(add, [1, 2]);
  await new Promise((r) => setTimeout(r, 50));
  await pool.terminate();
  for (const p of [...stuck, waiting]) {
    await assert.rejects(p, (error: Error) => {
      assert.ok(error instanceof PoolClosedError);
      assert.match(error.message, /was terminated before this task finished/);
      return true;
    });
  }
  await assert.rejects(pool.apply(add, [1, 2]), /was terminated/);
});

Deno.test("Pool maxTasksPerWorker replaces a worker after that many tasks", async () => {
  await using pool = new Pool({ size: 1, maxTasksPerWorker: 2, module: TASKS });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await pool.apply(workerId));
  assert.equal(new Set(ids).size, 3);
  assert.equal(ids[0], ids[1]);
  assert.notEqual(ids[1], ids[2]);
});

Deno.test("Pool initializer runs once in each worker with initargs", async () => {
  await using pool = new Pool({
    size: 2,
    module: TASKS,
    initializer: setUp,
    initargs: ["hello"],
  });
  const seen = await Promise.all(
    Array.from({ length: 20 }, () => pool.apply(whoAmI)),
  );
  for (const state of seen) {
    assert.equal(state.inits, 1);
    assert.equal(state.greeting, "hello");
  }
  assert.ok(new Set(seen.map((s) => s.worker)).size <= 2);
});

Deno.test("Pool tasks fail with WorkerCrashedError when the initializer throws", async () => {
  await using pool = new Pool({
    size: 1,
    initializer: () => {
      throw new Error("no database");
    },
  });
  await assert.rejects(pool.apply(() => 1), (error: Error) => {
    assert.ok(error instanceof WorkerCrashedError);
    assert.match(
      error.message,
      /could not start, as its initializer threw Error: no database/,
    );
    return true;
  });
});

Deno.test("Pool.map() and starmap() keep input order across chunks", async (t) => {
  await using pool = new Pool({ size: 2, module: TASKS });
  const items = Array.from({ length: 100 }, (_, i) => i);
  await t.step("default chunksize", async () => {
    assert.deepEqual(await pool.map(square, items), items.map((i) => i * i));
  });
  for (const chunksize of [1, 7, 1000]) {
    await t.step(`chunksize ${chunksize}`, async () => {
      assert.deepEqual(
        await pool.map(square, items, { chunksize }),
        items.map((i) => i * i),
      );
    });
  }
  await t.step("starmap", async () => {
    assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4], [5, 6]]), [
      3,
      7,
      11,
    ]);
  });
  await t.step("empty input", async () => {
    assert.deepEqual(await pool.map(square, []), []);
  });
  await t.step("an error fails the map", async () => {
    await assert.rejects(
      pool.map(
        (x: number) => {
          if (x === 42) throw new TypeError("bad item 42");
          return x;
        },
        items,
        { module: null },
      ),
      /bad item 42/,
    );
  });
  await t.step("async functions", async () => {
    const out = await pool.map(
      async (x: number) => {
        await new Promise((r) => setTimeout(r, 1));
        return x + 1;
      },
      [1, 2, 3],
      { chunksize: 2, module: null },
    );
    assert.deepEqual(out, [2, 3, 4]);
  });
});

Deno.test("Pool reports map progress through onProgress", async () => {
  const pool = new Pool({ size: 2, module: TASKS });
  const seen: PoolProgress[] = [];
  await pool.map(square, Array.from({ length: 10 }, (_, i) => i), {
    chunksize: 3,
    onProgress: (p) => seen.push(p),
  });
  assert.equal(seen.length, 4);
  assert.deepEqual(seen.at(-1), { done: 10, total: 10 });
  assert.deepEqual(
    seen.map((p) => p.done).toSorted((a, b) => a - b),
    seen.map((p) => p.done),
  );
  pool.close();
  await pool.join();
});

Deno.test("Pool.imap() yields in order, imapUnordered() yields everything", async (t) => {
  await using pool = new Pool({ size: 2, module: TASKS });
  await t.step("imap in input order", async () => {
    const out: number[] = [];
    for await (const v of pool.imap(square, [3, 1, 2], { chunksize: 1 })) {
      out.push(v);
    }
    assert.deepEqual(out, [9, 1, 4]);
  });
  await t.step("imap over an async iterable", async () => {
    async function* numbers() {
      for (let i = 0; i < 5; i++) yield i;
    }
    const out: number[] = [];
    for await (const v of pool.imap(square, numbers(), { chunksize: 2 })) {
      out.push(v);
    }
    assert.deepEqual(out, [0, 1, 4, 9, 16]);
  });
  await t.step("imapUnordered", async () => {
    const out: number[] = [];
    for await (const v of pool.imapUnordered(square, [1, 2, 3, 4])) out.push(v);
    assert.deepEqual(out.toSorted((a, b) => a - b), [1, 4, 9, 16]);
  });
  await t.step("an error ends the iteration", async () => {
    const out: number[] = [];
    const check = (x: number) => {
      if (x > 10) throw new RangeError(`too big: ${x}`);
      return x;
    };
    await assert.rejects(async () => {
      for await (const v of pool.imap(check, [5, 50, 1], { module: null })) {
        out.push(v);
      }
    }, /too big: 50/);
    assert.deepEqual(out, [5]);
  });
  await t.step("an endless generator is read lazily", async () => {
    let read = 0;
    function* naturals() {
      for (let n = 0;; n++) {
        read++;
        yield n;
      }
    }
    const out: number[] = [];
    for await (const v of pool.imap(square, naturals())) {
      out.push(v);
      if (out.length === 300) break;
    }
    assert.deepEqual(out.slice(0, 4), [0, 1, 4, 9]);
    assert.ok(read < 1000, `read ${read} items ahead of the consumer`);
  });
  await t.step("breaking early drops the rest", async () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    for await (const v of pool.imap(square, items)) {
      assert.equal(v, 0);
      break;
    }
    assert.equal(pool.stats.queued, 0);
  });
});

Deno.test("Pool rejects a result that cannot be sent back with a clear error", async () => {
  await using pool = new Pool({ size: 1 });
  await assert.rejects(pool.apply(() => () => 1), (error: Error) => {
    assert.equal(error.name, "TypeError");
    assert.match(error.message, /result cannot be sent back/);
    return true;
  });
  assert.equal(await pool.apply(() => 1), 1);
});

Deno.test("new Pool() validates its options up front", async (t) => {
  const cases: [PoolOptions, RegExp][] = [
    [
      { size: 0 },
      /Cannot create pool as 'size' must be a positive integer: received 0/,
    ],
    [{ size: 1.5 }, /'size' must be a positive integer: received 1.5/],
    [{ kind: "fiber" as "thread" }, /'kind' must be "thread" or "process"/],
    [
      { maxTasksPerWorker: 0 },
      /'maxTasksPerWorker' must be a positive integer/,
    ],
    [{ maxQueue: -1 }, /'maxQueue' must be a non-negative integer/],
    [{ taskTimeout: -5 }, /'taskTimeout' must be a positive number/],
    [{ module: "tasks.ts" }, /'module' must be an absolute URL/],
    [{ initargs: [1] }, /'initargs' was given without an 'initializer'/],
    [
      { initializer: 42 as unknown as () => void },
      /'target' must be a function/,
    ],
  ];
  for (const [options, message] of cases) {
    await t.step(JSON.stringify(options), () => {
      assert.throws(() => new Pool(options), message);
    });
  }
});

Deno.test("Pool.apply() and map() reject bad arguments without losing the pool", async () => {
  await using pool = new Pool({ size: 1 });
  await assert.rejects(
    pool.apply(42 as unknown as () => void),
    /'target' must be a function/,
  );
  await assert.rejects(
    pool.apply((x: number) => x, 5 as unknown as [number]),
    /'args' must be an array/,
  );
  await assert.rejects(
    pool.apply(() => 1, [], { timeout: 0 }),
    /'timeout' must be a positive/,
  );
  await assert.rejects(
    pool.apply(() => 1, [], { signal: {} as AbortSignal }),
    /'signal' must be an AbortSignal/,
  );
  await assert.rejects(
    pool.map((x: number) => x, [1], { chunksize: 0 }),
    /'chunksize'/,
  );
  await assert.rejects(
    pool.map((x: number) => x, 5 as unknown as number[]),
    /must be iterable/,
  );
  await assert.rejects(
    pool.starmap((x: number) => x, [1 as unknown as [number]]),
    /item 0/,
  );
  assert.equal(await pool.apply(() => "still fine"), "still fine");
});

// A function cannot cross to a worker, thread or process.
const unsendable = [() => 1, 1] as unknown as [number, number];

Deno.test("Pool: a first task whose arguments cannot be sent fails alone, and its target still runs", async (t) => {
  for (const kind of ["thread", "process"] as const) {
    await t.step(kind, async () => {
      await using pool = new Pool({ size: 1, kind, module: TASKS });
      // The refused task is the first of its target: its batch carried the
      // target's definition, which the worker must still receive.
      await assert.rejects(pool.apply(add, unsendable), /Cannot send the task/);
      assert.equal(await pool.apply(add, [20, 22]), 42);
      // Amid a stream of batched tasks of a new target, only the culprit fails.
      const results = await Promise.allSettled(
        Array.from(
          { length: 200 },
          (_, i) =>
            pool.apply(
              square,
              (i === 50 ? [() => i] : [i]) as unknown as [number],
            ),
        ),
      );
      results.forEach((result, i) => {
        if (i === 50) {
          assert.equal(result.status, "rejected");
          assert.match(
            (result as PromiseRejectedResult).reason.message,
            /Cannot send the task/,
          );
        } else {
          assert.deepEqual(result, { status: "fulfilled", value: i * i });
        }
      });
    });
  }
});

Deno.test("Pool: disposal right after a refused task, its only one, resolves and leaves no worker", async (t) => {
  for (const kind of ["thread", "process"] as const) {
    await t.step(kind, async () => {
      const name = `Refused-${kind}`;
      {
        await using pool = new Pool({ size: 1, kind, name, module: TASKS });
        await assert.rejects(
          pool.apply(add, unsendable),
          /Cannot send the task/,
        );
      }
      // (A process worker refused its task before its channel was up.)
      assert.deepEqual(
        liveChildren().filter((child) => child.name.startsWith(name)),
        [],
      );
    });
  }
});

Deno.test("Pool defaults to one worker per core and reports stats", async () => {
  const pool = new Pool();
  assert.equal(pool.stats.size, navigator.hardwareConcurrency);
  assert.deepEqual(pool.stats, {
    size: navigator.hardwareConcurrency,
    busy: 0,
    queued: 0,
    completed: 0,
    failed: 0,
  });
  await pool.apply(() => 1);
  assert.equal(pool.stats.completed, 1);
  pool.close();
  await pool.join();
});

Deno.test("Pool thread workers report their own name and ident through currentThread()", async () => {
  await using pool = new Pool({ size: 2, name: "Squares", module: TASKS });
  const seen = await Promise.all(
    Array.from({ length: 2 }, () => pool.apply(threadName)),
  );
  for (const { name, ident } of seen) {
    assert.match(name, /^Squares-worker-\d+$/);
    assert.notEqual(ident, currentThread().ident);
  }
});

Deno.test("Pool tasks receive library objects (Value, Event) as live handles", async () => {
  await using pool = new Pool({ size: 2, module: TASKS });
  const counter = new Value("i32", 0);
  await Promise.all(
    Array.from({ length: 20 }, () => pool.apply(bump, [counter])),
  );
  assert.equal(counter.value, 20);
  const event = new Event();
  const woke = pool.apply(waitFor, [event]);
  event.set();
  assert.equal(await woke, "woke");
});

Deno.test("Pool: a crash amid many batched tiny tasks fails only the crashing task", async (t) => {
  for (
    const [kind, tasks] of [["thread", 4000], ["process", 3000]] as const
  ) {
    await t.step(kind, async () => {
      await using pool = new Pool({ size: 2, kind, module: TASKS });
      // Warm up so that tasks are known to be tiny and go out in batches.
      await Promise.all(
        Array.from({ length: 2000 }, (_, i) => pool.apply(add, [i, 1])),
      );
      const results = await Promise.allSettled(
        Array.from(
          { length: tasks },
          (_, i) =>
            i % 1000 === 500
              ? pool.apply(exitWith, [5])
              : pool.apply(add, [i, 1]),
        ),
      );
      results.forEach((result, i) => {
        if (i % 1000 === 500) {
          assert.equal(result.status, "rejected");
          assert.ok(
            (result as PromiseRejectedResult).reason instanceof
              WorkerCrashedError,
          );
        } else {
          assert.deepEqual(
            result,
            { status: "fulfilled", value: i + 1 },
            `task ${i}`,
          );
        }
      });
    });
  }
});

Deno.test("Pool tasks put their results on a Queue of this process", async (t) => {
  for (const kind of ["thread", "process"] as const) {
    await t.step(kind, async () => {
      await using pool = new Pool({ size: 2, kind, module: TASKS });
      const queue = new Queue<number>();
      const counts = await Promise.all(
        [0, 10, 20].map((start) => pool.apply(produce, [queue, start, 10])),
      );
      assert.deepEqual(counts, [10, 10, 10]);
      const got: number[] = [];
      // A process's puts may arrive after its result (as with Python's feeder thread).
      for (let i = 0; i < 30; i++) {
        got.push(await queue.get({ timeout: 10_000 }));
      }
      assert.deepEqual(
        got.toSorted((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => i),
      );
    });
  }
});

Deno.test("Pool.apply() moves the buffers listed in transfer instead of copying them", async () => {
  await using pool = new Pool({ size: 1 });
  const bytes = new Uint8Array([1, 2, 3, 4]);
  const sum = pool.apply((b: Uint8Array) => b.reduce((a, x) => a + x, 0), [
    bytes,
  ], {
    transfer: [bytes.buffer],
  });
  assert.equal(bytes.byteLength, 0, "the buffer now belongs to the worker");
  assert.equal(await sum, 10);
});
