// One timeout rule everywhere (issue 15 item 3, issue 10 item 7): a wait
// reads -1 as forever and 0 as "do not wait"; a time limit set as an option
// reads -1 as no limit and refuses 0; every refusal shows the value as given
// in "Cannot X as 'name' must be ...: received Z".
import { assertEquals, assertIsError, assertRejects } from "@std/assert";
import { Empty, Queue } from "../queue/queue.ts";
import { Manager } from "../manager/manager.ts";
import { Pool } from "../pool/pool.ts";
import { run, spawn, TimeoutExpired } from "../subprocess/mod.ts";
import { asCompleted, wait } from "../futures/mod.ts";

const KEY = "abc";
const FOREVER = "or -1 (or undefined) to wait forever";
const NO_LIMIT = "or -1 (or undefined) for no limit";

async function refusal(
  attempt: () => unknown,
  Err: typeof RangeError | typeof TypeError,
  ...parts: string[]
): Promise<void> {
  const error = await assertRejects(async () => await attempt());
  assertIsError(error, Err);
  for (const part of parts) {
    assertEquals(
      error.message.includes(part),
      true,
      `${JSON.stringify(part)} missing from: ${error.message}`,
    );
  }
}

Deno.test("A wait reads timeout -1 as forever and 0 as do-not-wait, on subprocess and futures alike", async (t) => {
  await t.step("run(cmd, { timeout: -1 }) waits for the command", async () => {
    assertEquals((await run(["true"], { timeout: -1 })).code, 0);
  });
  await t.step(
    "Subprocess.wait(-1) and wait({ timeout: -1 }) wait for the exit",
    async () => {
      await using a = spawn(["true"]);
      assertEquals(await a.wait(-1), 0);
      await using b = spawn(["true"]);
      assertEquals(await b.wait({ timeout: -1 }), 0);
    },
  );
  await t.step(
    "Subprocess.wait(0) kills a command still running (TimeoutExpired)",
    async () => {
      await using p = spawn(["sleep", "30"]);
      await assertRejects(() => p.wait(0), TimeoutExpired);
    },
  );
  await t.step(
    "communicate(input, 5_000) takes Python's positional timeout",
    async () => {
      await using p = spawn(["cat"], { stdin: "piped" });
      assertEquals((await p.communicate("hi", 5_000)).stdout, "hi");
    },
  );
  await t.step(
    "futures wait and asCompleted with timeout -1 wait for all",
    async () => {
      const done = await wait([Promise.resolve(1)], { timeout: -1 });
      assertEquals(done.done.size, 1);
      const got: unknown[] = [];
      for await (
        const p of asCompleted([Promise.resolve(2)], { timeout: -1 })
      ) {
        got.push(p.status === "fulfilled" ? p.value : p.reason);
      }
      assertEquals(got, [2]);
    },
  );
});

Deno.test("A wait refuses other negative timeouts, NaN and non-numbers, showing the value as given", async (t) => {
  const cases: [string, () => unknown, typeof RangeError, string][] = [
    ["run -2", () => run(["true"], { timeout: -2 }), RangeError, "-2"],
    ["run NaN", () => run(["true"], { timeout: NaN }), RangeError, "NaN"],
    ["run -0.5", () => run(["true"], { timeout: -0.5 }), RangeError, "-0.5"],
    [
      "run '5'",
      () => run(["true"], { timeout: "5" as never }),
      TypeError,
      '"5"',
    ],
    [
      "Subprocess.wait(-2)",
      async () => {
        await using p = spawn(["true"]);
        await p.wait(-2);
      },
      RangeError,
      "-2",
    ],
    [
      "communicate(undefined, NaN)",
      async () => {
        await using p = spawn(["true"]);
        await p.communicate(undefined, NaN);
      },
      RangeError,
      "NaN",
    ],
    ["futures wait -2", () => wait([], { timeout: -2 }), RangeError, "-2"],
    [
      "asCompleted NaN",
      () => asCompleted([Promise.resolve(1)], { timeout: NaN }),
      RangeError,
      "NaN",
    ],
  ];
  for (const [name, attempt, Err, shown] of cases) {
    await t.step(name, async () => {
      await refusal(
        attempt,
        Err,
        "'timeout' must be a number of milliseconds >= 0",
        FOREVER,
        `received ${shown}`,
      );
    });
  }
  await t.step("a subprocess timeout no timer can keep (2^31 ms)", async () => {
    await refusal(
      () => run(["true"], { timeout: 2 ** 31 }),
      RangeError,
      "received 2147483648",
    );
  });
});

Deno.test("A time limit set as an option reads -1 as no limit", async (t) => {
  await t.step(
    "Pool taskTimeout -1 and apply timeout -1 let the task finish",
    async () => {
      await using pool = new Pool({ size: 1, taskTimeout: -1 });
      assertEquals(
        await pool.apply((a: number) => a + 1, [1], { timeout: -1 }),
        2,
      );
    },
  );
  await t.step(
    "Manager.connect({ callTimeout: -1 }) sets no limit on calls",
    async () => {
      await using manager = new Manager({ port: 0, authkey: KEY });
      manager.register("q", new Queue<number>());
      const { port } = await manager.start();
      await using client = await Manager.connect({
        port,
        authkey: KEY,
        callTimeout: -1,
      });
      await assertRejects(() => client.queue("q").get({ timeout: 0 }), Empty);
    },
  );
});

Deno.test("A time limit set as an option refuses 0, other negatives and NaN, showing the value as given", async (t) => {
  const cases: [string, () => unknown, string, string, boolean][] = [
    [
      "Pool taskTimeout 0",
      () => new Pool({ taskTimeout: 0 }),
      "taskTimeout",
      "0 (0 leaves no time at all)",
      true,
    ],
    [
      "Pool taskTimeout -2",
      () => new Pool({ taskTimeout: -2 }),
      "taskTimeout",
      "-2",
      true,
    ],
    [
      "Pool taskTimeout NaN",
      () => new Pool({ taskTimeout: NaN }),
      "taskTimeout",
      "NaN",
      true,
    ],
    [
      "Pool.apply timeout 0",
      async () => {
        await using pool = new Pool({ size: 1 });
        await pool.apply(() => 1, [], { timeout: 0 });
      },
      "timeout",
      "0",
      true,
    ],
    [
      "Manager handshakeTimeout -1 (it protects the server: no 'no limit')",
      () => new Manager({ port: 0, authkey: KEY, handshakeTimeout: -1 }),
      "handshakeTimeout",
      "-1",
      false,
    ],
    [
      "Manager.connect timeout -1 (a connect never gives up otherwise)",
      () => Manager.connect({ port: 1, authkey: KEY, timeout: -1 }),
      "timeout",
      "-1",
      false,
    ],
    [
      "Manager.connect callTimeout -5",
      () => Manager.connect({ port: 1, authkey: KEY, callTimeout: -5 }),
      "callTimeout",
      "-5",
      true,
    ],
  ];
  for (const [name, attempt, option, shown, forever] of cases) {
    await t.step(name, async () => {
      await refusal(
        attempt,
        RangeError,
        `'${option}' must be a number of milliseconds > 0`,
        `received ${shown}`,
        ...(forever ? [NO_LIMIT] : []),
      );
      if (!forever) {
        const error = await assertRejects(async () => await attempt());
        assertEquals((error as Error).message.includes("no limit"), false);
      }
    });
  }
  await t.step("Pool taskTimeout no timer can keep (2^31 ms)", async () => {
    await refusal(
      () => new Pool({ taskTimeout: 2 ** 31 }),
      RangeError,
      "at most 2147483647 ms",
      "received 2147483648",
    );
  });
});
