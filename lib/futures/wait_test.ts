import { assertEquals, assertRejects, assertStrictEquals } from "@std/assert";
import { wait } from "./mod.ts";
import { Pool } from "../pool/mod.ts";
import { Event } from "../sync/mod.ts";

const never = () => new Promise<never>(() => {});

Deno.test("wait() returns done and pending Sets of the same promises", async (t) => {
  await t.step("ALL_COMPLETED (the default) waits for every one", async () => {
    const a = Promise.resolve(1);
    const b = Promise.reject(new Error("no"));
    const { done, pending } = await wait([a, b]);
    assertEquals([done.size, pending.size], [2, 0]);
    assertEquals(done.has(a) && done.has(b), true);
    await assertRejects(() => b, Error, "no");
  });
  await t.step("FIRST_COMPLETED returns once one has settled", async () => {
    const slow = Promise.withResolvers<string>();
    const fast = Promise.resolve("fast");
    const { done, pending } = await wait([slow.promise, fast], {
      returnWhen: "FIRST_COMPLETED",
    });
    assertEquals([...done], [fast]);
    assertEquals([...pending], [slow.promise]);
    slow.resolve("late");
    assertEquals(pending.has(slow.promise), true, "the result is a snapshot");
  });
  await t.step("FIRST_EXCEPTION returns on the first rejection", async () => {
    const slow = Promise.withResolvers<string>();
    const failing = Promise.reject(new TypeError("broken"));
    const { done, pending } = await wait([slow.promise, failing], {
      returnWhen: "FIRST_EXCEPTION",
    });
    assertEquals([...done], [failing]);
    assertEquals([...pending], [slow.promise]);
    await assertRejects(() => failing, TypeError);
    slow.resolve("x");
  });
  await t.step(
    "FIRST_EXCEPTION without a rejection waits for all",
    async () => {
      const later = Promise.withResolvers<number>();
      const waiting = wait([Promise.resolve(1), later.promise], {
        returnWhen: "FIRST_EXCEPTION",
      });
      later.resolve(2);
      const { done, pending } = await waiting;
      assertEquals([done.size, pending.size], [2, 0]);
    },
  );
  await t.step("no promises: nothing to wait for", async () => {
    const { done, pending } = await wait([]);
    assertEquals([done.size, pending.size], [0, 0]);
  });
});

Deno.test("wait() with a timeout returns what is done by then, without throwing", async (t) => {
  await t.step("some pending", async () => {
    const hanging = never();
    const ready = Promise.resolve("ready");
    const { done, pending } = await wait([hanging, ready], { timeout: 20 });
    assertEquals([...done], [ready]);
    assertEquals([...pending], [hanging]);
  });
  await t.step("timeout 0 looks at what has already settled", async () => {
    const ready = Promise.resolve(1);
    const hanging = never();
    const { done, pending } = await wait([ready, hanging], {
      timeout: 0,
      returnWhen: "ALL_COMPLETED",
    });
    assertStrictEquals([...done][0], ready);
    assertEquals(pending.size, 1);
  });
});

Deno.test("wait() works on pool tasks: FIRST_EXCEPTION leaves the blocked task pending", async () => {
  await using pool = new Pool({ size: 2 });
  const gate = new Event();
  const blocked = pool.apply((e: Event) => {
    e.waitSync();
    return "released";
  }, [gate]);
  const failing = pool.apply(() => {
    throw new Error("task failed");
  });
  const { done, pending } = await wait([blocked, failing], {
    returnWhen: "FIRST_EXCEPTION",
  });
  assertEquals([...done], [failing]);
  assertEquals([...pending], [blocked]);
  await assertRejects(() => failing, Error, "task failed");
  gate.set();
  assertEquals(await blocked, "released");
});

Deno.test("wait() refuses bad arguments before waiting", async (t) => {
  await t.step("an unknown returnWhen", async () => {
    await assertRejects(
      () => wait([], { returnWhen: "FIRST" as never }),
      TypeError,
      `'returnWhen' must be one of "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED": received "FIRST"`,
    );
  });
  await t.step("a negative timeout other than -1 (forever)", async () => {
    await assertRejects(
      () => wait([], { timeout: -2 }),
      RangeError,
      "received -2",
    );
  });
  await t.step("not an iterable", async () => {
    await assertRejects(
      () => wait(42 as never),
      TypeError,
      "'promises' must be an iterable of promises",
    );
  });
});
