import {
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { asCompleted, type Completed } from "./mod.ts";
import { Pool } from "../pool/mod.ts";
import { TimeoutError } from "../errors/base.ts";
import { Event } from "../sync/mod.ts";

Deno.test("asCompleted() yields each promise, with its value, in the order they settle", async () => {
  const [a, b, c] = [1, 2, 3].map(() => Promise.withResolvers<string>());
  const seen: Completed<Promise<string>>[] = [];
  const it = asCompleted([a.promise, b.promise, c.promise]);
  const first = it.next();
  b.resolve("b");
  seen.push((await first).value!);
  c.resolve("c");
  a.resolve("a");
  for await (const done of it) seen.push(done);
  assertEquals(seen.length, 3);
  assertStrictEquals(seen[0].promise, b.promise);
  assertStrictEquals(seen[1].promise, c.promise);
  assertStrictEquals(seen[2].promise, a.promise);
  assertEquals(
    seen.map((d) => d.status === "fulfilled" && d.value),
    ["b", "c", "a"],
  );
});

Deno.test("asCompleted() yields a rejected promise with its reason, and goes on", async () => {
  const failing = Promise.reject(new RangeError("bad input"));
  const fine = Promise.resolve(1);
  const outcomes: string[] = [];
  for await (const done of asCompleted([failing, fine])) {
    if (done.status === "fulfilled") {
      assertStrictEquals(done.promise, fine);
      outcomes.push(`ok ${done.value}`);
    } else {
      assertStrictEquals(done.promise, failing);
      assertInstanceOf(done.reason, RangeError);
      outcomes.push(`failed ${done.reason.message}`);
    }
  }
  assertEquals(outcomes.sort(), ["failed bad input", "ok 1"]);
});

Deno.test("asCompleted() counts each distinct promise once, and ends at once on none", async () => {
  const p = Promise.resolve("x");
  const seen = [];
  for await (const done of asCompleted([p, p, p])) seen.push(done);
  assertEquals(seen.length, 1);
  for await (const _ of asCompleted([])) throw new Error("nothing to yield");
});

Deno.test("asCompleted() with a timeout yields what settles, then throws TimeoutError for the rest", async () => {
  const never = new Promise<string>(() => {});
  const ready = Promise.resolve("ready");
  const seen: unknown[] = [];
  const iterator = asCompleted([never, ready], { timeout: 20 });
  const error = await assertRejects(async () => {
    for await (const done of iterator) {
      seen.push(done.status === "fulfilled" && done.value);
    }
  }, TimeoutError);
  assertEquals(seen, ["ready"]);
  assertEquals(
    error.message.startsWith(
      "Cannot wait for the next promise to complete as 1 (of 2) are still pending after the timeout of 20 ms",
    ),
    true,
    error.message,
  );
  assertEquals(await iterator.next(), { done: true, value: undefined });
});

Deno.test("asCompleted() stops when the loop is left early", async () => {
  const slow = Promise.withResolvers<number>();
  const iterator = asCompleted([Promise.resolve(1), slow.promise]);
  for await (const done of iterator) {
    assertEquals(done.status === "fulfilled" && done.value, 1);
    break;
  }
  slow.resolve(2);
  assertEquals(await iterator.next(), { done: true, value: undefined });
});

Deno.test("asCompleted() works on pool tasks, a failing one included", async () => {
  await using pool = new Pool({ size: 2 });
  const gate = new Event();
  const blocked = pool.apply((e: Event) => {
    e.waitSync();
    return "released";
  }, [gate]);
  const failing = pool.apply((): string => {
    throw new Error("task failed");
  });
  const order: string[] = [];
  for await (const done of asCompleted([blocked, failing])) {
    if (done.status === "rejected") {
      assertStrictEquals(done.promise, failing);
      assertEquals((done.reason as Error).message, "task failed");
      order.push("failing");
      gate.set(); // only now can the other task finish
    } else {
      assertStrictEquals(done.promise, blocked);
      order.push(done.value);
    }
  }
  assertEquals(order, ["failing", "released"]);
});

Deno.test("asCompleted() refuses what is not an iterable of promises", async (t) => {
  await t.step("a single promise", () => {
    assertThrows(
      () => asCompleted(Promise.resolve(1) as never),
      TypeError,
      "'promises' must be an iterable of promises (an array, a Set...): received a single promise",
    );
  });
  await t.step("results instead of promises", () => {
    assertThrows(
      () => asCompleted([1, 2] as never),
      TypeError,
      "item 0 is not a promise: received 1",
    );
  });
  await t.step("a NaN timeout", () => {
    assertThrows(
      () => asCompleted([], { timeout: NaN }),
      RangeError,
      "received NaN",
    );
  });
  await t.step("an unknown option", () => {
    assertThrows(
      () => asCompleted([], { timeuot: 5 } as never),
      TypeError,
      "'timeuot' is not one of its options: use timeout",
    );
  });
});
