import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertNotEquals,
  assertObjectMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  AbortError,
  Pool,
  PoolClosedError,
  PoolFullError,
  type PoolOptions,
  type PoolProgress,
  RuntimeError,
} from "./pool.ts";
import { Value } from "../sync/value.ts";
import { Queue } from "../queue/queue.ts";
import { Event } from "../sync/event.ts";
import { Semaphore } from "../sync/semaphore.ts";
import { currentThread } from "../thread/thread.ts";
import {
  add,
  bump,
  produce,
  setUp,
  signalThenSpin,
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
  assertEquals(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
  assertEquals(await pool.apply(add, [2, 40], { module: TASKS }), 42);
  const rich = await pool.apply(
    (m: Map<string, bigint>, d: Date) => ({
      m,
      year: d.getUTCFullYear(),
      big: m.get("x")! * 2n,
    }),
    [new Map([["x", 21n]]), new Date(Date.UTC(2026, 0, 1))],
  );
  assertEquals(rich, { m: new Map([["x", 21n]]), year: 2026, big: 42n });
  assertEquals(
    await pool.apply(async (ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      return "awaited";
    }, [1]),
    "awaited",
  );
});

Deno.test("Pool uses its module option to find exported functions", async () => {
  await using pool = new Pool({ size: 1, module: TASKS });
  assertEquals(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  const error = await assertRejects(
    () => pool.apply(function notExported() {}),
    Error,
  );
  assertEquals(error.name, "TargetError");
  assertMatch(error.message, /no exported function named 'notExported'/);
});

Deno.test("Pool explains a ReferenceError from a function that closed over a variable", async () => {
  await using pool = new Pool({ size: 1 });
  const factor = 3;
  const error = await assertRejects(
    () => pool.apply((x: number) => x * factor, [2]),
    Error,
  );
  assertEquals(error.name, "ReferenceError");
  assertMatch(error.message, /factor is not defined.*shipped as source/s);
});

Deno.test("Pool.apply() rejects only the task that threw, keeping its class name, message and stack", async () => {
  await using pool = new Pool({ size: 2, module: TASKS });
  const results = await Promise.allSettled([
    pool.apply(withdraw, [100, 30]),
    pool.apply(withdraw, [10, 30]),
    pool.apply(withdraw, [50, 50]),
  ]);
  assertEquals(results[0], { status: "fulfilled", value: 70 });
  assertEquals(results[2], { status: "fulfilled", value: 0 });
  assertEquals(results[1].status, "rejected");
  const error = (results[1] as PromiseRejectedResult).reason as Error;
  assertEquals(error.name, "InsufficientFunds");
  assertEquals(error.message, "cannot withdraw 30 from 10");
  assertMatch(error.stack!, /withdraw .*pool_tasks\.ts/);
  assertObjectMatch(pool.stats, {
    size: 2,
    busy: 0,
    queued: 0,
    completed: 2,
    failed: 1,
  });
});

Deno.test("Pool maxQueue refuses work beyond the limit with PoolFullError", async () => {
  await using pool = new Pool({ size: 1, maxQueue: 1, module: TASKS });
  const blocker = new AbortController();
  const running = pool.apply(spin, [], { signal: blocker.signal });
  const queued = pool.apply(add, [1, 1]);
  const error = await assertRejects(
    () => pool.apply(add, [2, 2]),
    PoolFullError,
  );
  assertMatch(error.message, /already has 1 tasks waiting \(maxQueue: 1\)/);
  blocker.abort();
  await assertRejects(() => running, AbortError);
  assertEquals(await queued, 2);
});

Deno.test("Pool.map() beyond maxQueue rejects with PoolFullError and leaves the queue consistent", async () => {
  await using pool = new Pool({ size: 1, maxQueue: 2, module: TASKS });
  await assertRejects(
    () =>
      pool.map(square, Array.from({ length: 10 }, (_, i) => i), {
        chunksize: 1,
      }),
    PoolFullError,
  );
  assertEquals(pool.stats.queued, 0, "the map's queued chunks were dropped");
  assertEquals(await pool.map(square, [1, 2], { chunksize: 1 }), [1, 4]);
});

Deno.test("Pool refuses work after close(), and join() needs close() first", async () => {
  const pool = new Pool({ size: 1 });
  const before = pool.apply(() => "before");
  const error = await assertRejects(() => pool.join(), RuntimeError);
  assertMatch(error.message, /call pool.close\(\) first/);
  pool.close();
  const error2 = await assertRejects(
    () => pool.apply(() => "after"),
    PoolClosedError,
  );
  assertMatch(error2.message, /was closed/);
  await assertRejects(() => pool.map((x: number) => x, [1]), PoolClosedError);
  await pool.join();
  assertEquals(await before, "before");
});

Deno.test("Pool.terminate() resolves even with a worker stuck in an endless loop", async () => {
  const pool = new Pool({ size: 2, module: TASKS });
  const started = new Semaphore(0);
  const stuck = [
    pool.apply(signalThenSpin, [started]),
    pool.apply(signalThenSpin, [started]),
  ];
  const waiting = pool.apply(add, [1, 2]);
  // Both workers are in their endless loops before terminate() (a handshake,
  // not a sleep that may end before they start).
  for (let i = 0; i < 2; i++) {
    assert(await started.acquire({ timeout: 30_000 }), "a task never started");
  }
  await pool.terminate();
  for (const p of [...stuck, waiting]) {
    const error = await assertRejects(() => p, PoolClosedError);
    assertMatch(error.message, /was terminated before this task finished/);
  }
  assertIsError(
    await assertRejects(() => pool.apply(add, [1, 2])),
    Error,
    /was terminated/,
  );
});

Deno.test("Pool maxTasksPerWorker replaces a worker after that many tasks", async () => {
  await using pool = new Pool({ size: 1, maxTasksPerWorker: 2, module: TASKS });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await pool.apply(workerId));
  assertEquals(new Set(ids).size, 3);
  assertEquals(ids[0], ids[1]);
  assertNotEquals(ids[1], ids[2]);
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
    assertEquals(state.inits, 1);
    assertEquals(state.greeting, "hello");
  }
  assert(new Set(seen.map((s) => s.worker)).size <= 2);
});

Deno.test("Pool.map() and starmap() keep input order across chunks", async (t) => {
  await using pool = new Pool({ size: 2, module: TASKS });
  const items = Array.from({ length: 100 }, (_, i) => i);
  await t.step("default chunksize", async () => {
    assertEquals(await pool.map(square, items), items.map((i) => i * i));
  });
  for (const chunksize of [1, 7, 1000]) {
    await t.step(`chunksize ${chunksize}`, async () => {
      assertEquals(
        await pool.map(square, items, { chunksize }),
        items.map((i) => i * i),
      );
    });
  }
  await t.step("starmap", async () => {
    assertEquals(await pool.starmap(add, [[1, 2], [3, 4], [5, 6]]), [
      3,
      7,
      11,
    ]);
  });
  await t.step("empty input", async () => {
    assertEquals(await pool.map(square, []), []);
  });
  await t.step("an error fails the map", async () => {
    assertIsError(
      await assertRejects(() =>
        pool.map(
          (x: number) => {
            if (x === 42) throw new TypeError("bad item 42");
            return x;
          },
          items,
          { module: null },
        )
      ),
      Error,
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
    assertEquals(out, [2, 3, 4]);
  });
});

Deno.test("Pool.map() over numbers gives fn the same numbers and returns what fn returns", async (t) => {
  // A chunk of numbers crosses as one Float64Array (see _gather.ts): exact
  // for every number, and results that are not numbers come back as they are.
  const numbers = [0, -0, 0.1, -1.5e308, 2 ** 53 + 2, NaN, Infinity, -Infinity];
  const show = (values: unknown[]) =>
    values.map((v) => Object.is(v, -0) ? "-0" : `${typeof v} ${v}`);
  for (const kind of ["thread", "process"] as const) {
    await using pool = new Pool({ size: 2, kind });
    for (const chunksize of [undefined, 3]) {
      await t.step(`${kind}, chunksize ${chunksize ?? "default"}`, async () => {
        assertEquals(
          show(await pool.map((x: number) => x, numbers, { chunksize })),
          show(numbers),
        );
        assertEquals(
          await pool.map((x: number) => x > 1 ? `#${x}` : x, [0, 1, 2, 3], {
            chunksize,
          }),
          [0, 1, "#2", "#3"],
        );
        assertEquals(
          await pool.map((x: number) => x === 0 ? x : undefined, [0, 1, 2], {
            chunksize,
          }),
          [0, undefined, undefined],
        );
        assertEquals(
          await pool.map(async (x: number) => await x * 2, [0, 1, 2], {
            chunksize,
          }),
          [0, 2, 4],
        );
      });
    }
  }
});

Deno.test("Pool.map() hands a thread's chunk of numbers back without detaching arrays a task keeps", async () => {
  // A chunk's results made by the worker go back transferred (see
  // ownedBuffers in _runner.ts); a typed array the task returns is its own
  // and is copied, so the worker can return it again.
  await using pool = new Pool({ size: 1, kind: "thread" });
  const kept = () => {
    const g = globalThis as { kept?: Float64Array };
    return g.kept ??= new Float64Array([1, 2, 3]);
  };
  for (let round = 0; round < 2; round++) {
    assertEquals(
      await pool.apply(kept, [], { module: null }),
      new Float64Array([1, 2, 3]),
    );
    assertEquals(
      await pool.map(
        (_: number) => {
          const g = globalThis as { kept?: Float64Array };
          return g.kept ??= new Float64Array([1, 2, 3]);
        },
        [0, 1],
        { module: null },
      ),
      [new Float64Array([1, 2, 3]), new Float64Array([1, 2, 3])],
    );
    assertEquals(
      await pool.map((x: number) => x * 2, [1, 2, 3, 4], { chunksize: 2 }),
      [2, 4, 6, 8],
    );
  }
});

Deno.test("Pool reports map progress through onProgress", async () => {
  const pool = new Pool({ size: 2, module: TASKS });
  const seen: PoolProgress[] = [];
  await pool.map(square, Array.from({ length: 10 }, (_, i) => i), {
    chunksize: 3,
    onProgress: (p) => seen.push(p),
  });
  assertEquals(seen.length, 4);
  assertEquals(seen.at(-1), { done: 10, total: 10 });
  assertEquals(
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
    assertEquals(out, [9, 1, 4]);
  });
  await t.step("imap over an async iterable", async () => {
    async function* numbers() {
      for (let i = 0; i < 5; i++) yield i;
    }
    const out: number[] = [];
    for await (const v of pool.imap(square, numbers(), { chunksize: 2 })) {
      out.push(v);
    }
    assertEquals(out, [0, 1, 4, 9, 16]);
  });
  await t.step("imapUnordered", async () => {
    const out: number[] = [];
    for await (const v of pool.imapUnordered(square, [1, 2, 3, 4])) out.push(v);
    assertEquals(out.toSorted((a, b) => a - b), [1, 4, 9, 16]);
  });
  await t.step("an error ends the iteration", async () => {
    const out: number[] = [];
    const check = (x: number) => {
      if (x > 10) throw new RangeError(`too big: ${x}`);
      return x;
    };
    assertIsError(
      await assertRejects(async () => {
        for await (const v of pool.imap(check, [5, 50, 1], { module: null })) {
          out.push(v);
        }
      }),
      Error,
      /too big: 50/,
    );
    assertEquals(out, [5]);
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
    assertEquals(out.slice(0, 4), [0, 1, 4, 9]);
    assert(read < 1000, `read ${read} items ahead of the consumer`);
  });
  await t.step("breaking early drops the rest", async () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    for await (const v of pool.imap(square, items)) {
      assertEquals(v, 0);
      break;
    }
    assertEquals(pool.stats.queued, 0);
  });
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
    [
      { taskTimeout: -5 },
      /'taskTimeout' must be a number of milliseconds > 0, or -1 .*: received -5/,
    ],
    [{ module: "tasks.ts" }, /'module' must be an absolute URL/],
    [{ initargs: [1] }, /'initargs' was given without an 'initializer'/],
    [
      { initializer: 42 as unknown as () => void },
      /'target' must be a function/,
    ],
  ];
  for (const [options, message] of cases) {
    await t.step(JSON.stringify(options), () => {
      assertIsError(assertThrows(() => new Pool(options)), Error, message);
    });
  }
});

Deno.test("Pool.apply() and map() reject bad arguments without losing the pool", async () => {
  await using pool = new Pool({ size: 1 });
  assertIsError(
    await assertRejects(() => pool.apply(42 as unknown as () => void)),
    Error,
    /'target' must be a function/,
  );
  assertIsError(
    await assertRejects(() =>
      pool.apply((x: number) => x, 5 as unknown as [number])
    ),
    Error,
    /'args' must be an array/,
  );
  assertIsError(
    await assertRejects(() => pool.apply(() => 1, [], { timeout: 0 })),
    RangeError,
    /'timeout' must be a number of milliseconds > 0.*received 0/,
  );
  assertIsError(
    await assertRejects(() =>
      pool.apply(() => 1, [], { signal: {} as AbortSignal })
    ),
    Error,
    /'signal' must be an AbortSignal/,
  );
  assertIsError(
    await assertRejects(() =>
      pool.map((x: number) => x, [1], { chunksize: 0 })
    ),
    Error,
    /'chunksize'/,
  );
  assertIsError(
    await assertRejects(() =>
      pool.map((x: number) => x, 5 as unknown as number[])
    ),
    Error,
    /must be iterable/,
  );
  assertIsError(
    await assertRejects(() =>
      pool.starmap((x: number) => x, [1 as unknown as [number]])
    ),
    Error,
    /item 0/,
  );
  assertEquals(await pool.apply(() => "still fine"), "still fine");
});

Deno.test("Pool defaults to one worker per core, started as work arrives, and reports stats", async () => {
  const pool = new Pool();
  assertObjectMatch(pool.stats, {
    size: 0, // live workers: none needed yet
    minSize: 0,
    maxSize: navigator.hardwareConcurrency,
    busy: 0,
    queued: 0,
    completed: 0,
    failed: 0,
  });
  await pool.apply(() => 1);
  assertEquals(pool.stats.completed, 1);
  assertEquals(pool.stats.size, 1);
  pool.close();
  await pool.join();
});

Deno.test("Pool thread workers report their own name and ident through currentThread()", async () => {
  await using pool = new Pool({ size: 2, name: "Squares", module: TASKS });
  const seen = await Promise.all(
    Array.from({ length: 2 }, () => pool.apply(threadName)),
  );
  for (const { name, ident } of seen) {
    assertMatch(name, /^Squares-worker-\d+$/);
    assertNotEquals(ident, currentThread().ident);
  }
});

Deno.test("Pool tasks receive library objects (Value, Event) as live handles", async () => {
  await using pool = new Pool({ size: 2, module: TASKS });
  const counter = new Value("i32", 0);
  await Promise.all(
    Array.from({ length: 20 }, () => pool.apply(bump, [counter])),
  );
  assertEquals(counter.value, 20);
  const event = new Event();
  const woke = pool.apply(waitFor, [event]);
  event.set();
  assertEquals(await woke, "woke");
});

Deno.test("Pool tasks put their results on a Queue of this process", async (t) => {
  for (const kind of ["thread", "process"] as const) {
    await t.step(kind, async () => {
      await using pool = new Pool({ size: 2, kind, module: TASKS });
      const queue = new Queue<number>();
      const counts = await Promise.all(
        [0, 10, 20].map((start) => pool.apply(produce, [queue, start, 10])),
      );
      assertEquals(counts, [10, 10, 10]);
      const got: number[] = [];
      // A process's puts may arrive after its result (as with Python's feeder thread).
      for (let i = 0; i < 30; i++) {
        got.push(await queue.get({ timeout: 10_000 }));
      }
      assertEquals(
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
  assertEquals(bytes.byteLength, 0, "the buffer now belongs to the worker");
  assertEquals(await sum, 10);
});
