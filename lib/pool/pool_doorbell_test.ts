// The thread pool's doorbell (lib/_crossing/doorbell.ts): a task awaited on
// its own goes to a parked worker through shared memory, and behaves exactly
// as one sent by message. Workers here park for a minute, so that every task
// in turn finds its worker parked, and a doorbell that failed to hand over
// to postMessage (or to let a worker go) would hang the test.
import {
  assertEquals,
  assertGreater,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { deadline } from "@std/async";
import { Pool, WorkerCrashedError } from "./pool.ts";
import { threadDoorbell } from "./_thread_worker.ts";
import {
  add,
  doubleOrDie,
  spin,
  valueOrFunction,
} from "./testdata/pool_tasks.ts";
import {
  echo,
  failRange,
  later,
  lengthOf,
  nothing,
} from "./testdata/doorbell_tasks.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;
const DOORBELL_TASKS = new URL("./testdata/doorbell_tasks.ts", import.meta.url)
  .href;
const LIMIT = 20_000;

// A pool whose idle workers park for a minute.
function parkedPool(size = 1): Pool {
  const before = threadDoorbell.parkMs;
  threadDoorbell.parkMs = 60_000;
  try {
    return new Pool({ size, name: "Bell" });
  } finally {
    threadDoorbell.parkMs = before;
  }
}

// Settles `call()` until one call went through the doorbell (the first one
// after a reply can miss a worker not yet parked again) and returns how it
// ended; every attempt must end the same way, which `check` asserts.
async function rung<T>(
  call: () => Promise<T>,
  check: (outcome: PromiseSettledResult<T>) => void,
): Promise<PromiseSettledResult<T>> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const before = threadDoorbell.rung;
    const [outcome] = await Promise.allSettled([call()]);
    check(outcome);
    if (threadDoorbell.rung > before) return outcome;
  }
  throw new Error("no call went through the doorbell in 50 attempts");
}

function value<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === "rejected") throw outcome.reason;
  return outcome.value;
}

function reason(outcome: PromiseSettledResult<unknown>): unknown {
  if (outcome.status === "fulfilled") {
    throw new Error(`expected a rejection, got ${outcome.value}`);
  }
  return outcome.reason;
}

Deno.test("Pool tasks awaited one at a time go through the doorbell with the same results", async () => {
  await using pool = parkedPool();
  const module = DOORBELL_TASKS;
  await deadline(
    (async () => {
      const before = threadDoorbell.rung;
      for (let i = 0; i < 100; i++) {
        assertEquals(await pool.apply(add, [i, 1], { module: TASKS }), i + 1);
      }
      assertGreater(threadDoorbell.rung, before);
      const exact: unknown[] = [
        "text ünïcödé \u{1F600}",
        { nested: [1, 2.5, null, true, { deep: "yes" }] },
        [],
        -1e300,
      ];
      for (const v of exact) {
        await rung(() => pool.apply(echo, [v], { module }), (o) => {
          assertEquals(value(o), v);
        });
      }
      // JSON does not rebuild these: they cross by message instead.
      const inexact: unknown[] = [
        -0,
        NaN,
        new Map([[1, "one"]]),
        new Date(0),
        [1, undefined, 3],
        { a: undefined },
        new Uint8Array([1, 2, 3]),
      ];
      for (const v of inexact) {
        const back = await pool.apply(echo, [v], { module });
        if (typeof v === "number") assertStrictEquals(back, v);
        else assertEquals(back, v);
      }
      await rung(() => pool.apply(nothing, [], { module }), (o) => {
        assertStrictEquals(value(o), undefined);
      });
      // Too big for the slot: both ways by message.
      const big = "x".repeat(100_000);
      assertEquals(await pool.apply(lengthOf, [big], { module }), 100_000);
      assertEquals(await pool.apply(echo, [big], { module }), big);
    })(),
    LIMIT,
  );
});

Deno.test("Pool: a task through the doorbell that throws rejects with its own error class", async () => {
  await using pool = parkedPool();
  await pool.apply(failRange, ["warm"], { module: DOORBELL_TASKS }).catch(
    () => {},
  );
  const outcome = await deadline(
    rung(
      () => pool.apply(failRange, ["boom"], { module: DOORBELL_TASKS }),
      (o) => assertInstanceOf(reason(o), RangeError),
    ),
    LIMIT,
  );
  assertEquals((reason(outcome) as Error).message, "boom");
  assertEquals(await pool.apply(add, [1, 2], { module: TASKS }), 3);
});

Deno.test("Pool: a result through the doorbell that cannot be sent back fails that task only", async () => {
  await using pool = parkedPool();
  const module = TASKS;
  await pool.apply(valueOrFunction, [1, false], { module });
  await deadline(
    rung(() => pool.apply(valueOrFunction, [2, true], { module }), (o) => {
      assertInstanceOf(reason(o), Error);
    }),
    LIMIT,
  );
  assertEquals(await pool.apply(valueOrFunction, [3, false], { module }), 3);
});

Deno.test("Pool: a worker that crashes in a task from the doorbell fails that task only", async () => {
  await using pool = parkedPool();
  const module = TASKS;
  await deadline(
    (async () => {
      for (const how of ["exit", "escape"]) {
        let rungCrashes = 0;
        for (let attempt = 0; attempt < 50 && rungCrashes === 0; attempt++) {
          // A new worker is sent the function once, by message.
          assertEquals(await pool.apply(doubleOrDie, [1, "no"], { module }), 2);
          const before = threadDoorbell.rung;
          await assertRejects(
            () => pool.apply(doubleOrDie, [2, how], { module }),
            WorkerCrashedError,
          );
          rungCrashes += threadDoorbell.rung - before;
        }
        assertEquals(rungCrashes, 1);
        assertEquals(await pool.apply(add, [1, 1], { module }), 2);
      }
    })(),
    LIMIT,
  );
});

Deno.test("Pool: tasks submitted while workers are parked all run, by message, at once", async () => {
  await using pool = parkedPool(2);
  const module = TASKS;
  await deadline(
    (async () => {
      for (let round = 0; round < 5; round++) {
        await pool.apply(add, [0, 0], { module });
        const sums = await Promise.all(
          Array.from(
            { length: 300 },
            (_, i) => pool.apply(add, [i, round], { module }),
          ),
        );
        assertEquals(sums, Array.from({ length: 300 }, (_, i) => i + round));
      }
    })(),
    LIMIT,
  );
});

Deno.test("Pool.terminate() stops workers parked on the doorbell and a task running from it", async () => {
  const pool = parkedPool(2);
  const module = TASKS;
  await pool.apply(add, [1, 1], { module });
  await pool.apply(add, [1, 1], { module });
  const stuck = pool.apply(spin, [], { module });
  await deadline(pool.terminate(), LIMIT);
  await assertRejects(() => stuck);
});

Deno.test("A program awaiting a task from the doorbell stays alive until it answers, and ends once the pool is closed", async () => {
  const poolUrl = new URL("./pool.ts", import.meta.url).href;
  const workerUrl = new URL("./_thread_worker.ts", import.meta.url).href;
  const script = `
    import { Pool } from ${JSON.stringify(poolUrl)};
    import { threadDoorbell } from ${JSON.stringify(workerUrl)};
    import { later } from ${JSON.stringify(DOORBELL_TASKS)};
    threadDoorbell.parkMs = 60_000;
    const pool = new Pool({ size: 1 });
    const module = ${JSON.stringify(DOORBELL_TASKS)};
    const answers = [];
    // Each call's reply and the next ring race a little: await until one
    // went through the doorbell while nothing else kept the program alive.
    for (let i = 0; i < 50; i++) {
      const before = threadDoorbell.rung;
      answers.push(await pool.apply(later, [i, 200], { module }));
      if (threadDoorbell.rung > before) break;
    }
    console.log(JSON.stringify({ rung: threadDoorbell.rung, last: answers.at(-1) }));
    pool.close();
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(LIMIT),
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const { rung: rungCount, last } = JSON.parse(
    new TextDecoder().decode(out.stdout),
  );
  assertGreater(rungCount, 0);
  assertGreater(last, 0);
});

// Keeps the imports' types honest: these run in the workers only.
void [echo, failRange, later, lengthOf, nothing, spin];
