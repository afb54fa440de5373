import {
  assert,
  assertEquals,
  assertIsError,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async";
import { Empty, QueueClosed } from "../queue/queue.ts";
import { RedisQueue } from "./redis_queue.ts";
import { redisTest } from "./_test_server.ts";

// A guard against hangs, not a measure.
const HANG = 60_000;

redisTest(
  "RedisQueue carries structured-clone items from put() to get() in order",
  async (server) => {
    await using q = await RedisQueue.connect(server.url, "items");
    const items = [
      42,
      "text",
      { nested: [1, 2, { deep: true }] },
      new Map([["k", 1n]]),
      new Date(0),
      new Uint8Array([1, 2, 3]),
      null,
    ];
    for (const item of items) await q.put(item);
    assertEquals(await q.qsize(), items.length);
    for (const item of items) {
      assertEquals(await q.get({ timeout: 1000 }), item);
    }
  },
);

redisTest(
  "RedisQueue.get({ timeout }) and get({ timeout: 0 }) throw Empty when no job is there",
  async (server) => {
    await using q = await RedisQueue.connect(server.url, "idle");
    await assertRejects(() => q.get({ timeout: 50 }), Empty);
    await assertRejects(() => q.get({ timeout: 0 }), Empty);
  },
);

redisTest(
  "Consumers of one group share the jobs: each job is delivered to exactly one",
  async (server) => {
    await using a = await RedisQueue.connect<number>(server.url, "shared");
    await using b = await RedisQueue.connect<number>(server.url, "shared");
    for (let i = 0; i < 20; i++) await a.put(i);
    const seen: number[] = [];
    for (const consumer of [a, b, a, b, a, b]) {
      seen.push(await consumer.get({ timeout: 1000 }));
    }
    for (const consumer of [a, b]) {
      while (true) {
        try {
          seen.push(await consumer.get({ timeout: 0 }));
        } catch (error) {
          if (error instanceof Empty) break;
          throw error;
        }
      }
    }
    assertEquals(
      seen.toSorted((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i),
    );
    // get() acknowledged each job when the next get() came: nothing is left.
    await a.close();
    await b.close();
    await using check = await RedisQueue.connect(server.url, "shared");
    assertEquals(await check.qsize(), 0);
  },
);

redisTest(
  "A job a dead consumer never acknowledged is redelivered to another after claimIdle",
  async (server) => {
    const options = { claimIdle: 50 };
    await using producer = await RedisQueue.connect<string>(
      server.url,
      "jobs",
      options,
    );
    await producer.put("send mail");
    const dying = await RedisQueue.connect<string>(server.url, "jobs", options);
    const first = await deadline(dying.consume().next(), HANG);
    assertEquals(first.value?.data, "send mail");
    assertEquals(first.value?.deliveries, 1);
    await dying.close(); // gone without ack(), like a killed worker

    await using survivor = await RedisQueue.connect<string>(
      server.url,
      "jobs",
      options,
    );
    const again = await deadline(survivor.consume().next(), HANG);
    assertEquals(again.value?.data, "send mail");
    assertEquals(again.value?.id, first.value?.id);
    assertEquals(again.value?.deliveries, 2);
    await again.value?.ack();
    await assertRejects(() => survivor.get({ timeout: 0 }), Empty);
    assertEquals(await survivor.qsize(), 0);
  },
);

redisTest(
  "get() of a consumer that dies before its next get() is redelivered; close() acknowledges it",
  async (server) => {
    const options = { claimIdle: 50 };
    await using producer = await RedisQueue.connect<number>(
      server.url,
      "work",
      options,
    );
    await producer.put(1);
    await producer.put(2);
    const finished = await RedisQueue.connect<number>(
      server.url,
      "work",
      options,
    );
    assertEquals(await deadline(finished.get(), HANG), 1);
    await finished.close(); // clean exit: job 1 is done
    const crashed = await RedisQueue.connect<number>(
      server.url,
      "work",
      options,
    );
    assertEquals(await deadline(crashed.get(), HANG), 2);
    await using next = await RedisQueue.connect<number>(
      server.url,
      "work",
      options,
    );
    // `crashed` never comes back: job 2 goes to `next`, job 1 never does.
    assertEquals(await next.get({ timeout: 10_000 }), 2);
    await assertRejects(() => next.get({ timeout: 0 }), Empty);
    await crashed.close();
  },
);

redisTest(
  "A job delivered maxDeliveries times goes to the dead-letter stream",
  async (server) => {
    const options = { claimIdle: 20, maxDeliveries: 2 };
    await using producer = await RedisQueue.connect<string>(
      server.url,
      "fragile",
      options,
    );
    const id = await producer.put("poison");
    for (let delivery = 1; delivery <= 2; delivery++) {
      const consumer = await RedisQueue.connect<string>(
        server.url,
        "fragile",
        options,
      );
      const job = await deadline(consumer.consume().next(), HANG);
      assertEquals(job.value?.deliveries, delivery);
      await consumer.close(); // never acknowledged
    }
    await using dead = await RedisQueue.connect<string>(
      server.url,
      "fragile:dead",
    );
    await using third = await RedisQueue.connect<string>(
      server.url,
      "fragile",
      options,
    );
    const controller = new AbortController();
    const waiting = third.get({ signal: controller.signal });
    assertEquals(await dead.get({ timeout: 10_000 }), "poison");
    controller.abort();
    const error = await assertRejects(() => deadline(waiting, HANG));
    assertIsError(error, Error);
    assertEquals(error.name, "AbortError");
    assertEquals(await producer.qsize(), 0);
    assert(id);
  },
);

redisTest(
  "close() rejects a waiting get() with QueueClosed and no job is lost",
  async (server) => {
    const q = await RedisQueue.connect<string>(server.url, "closing", {
      claimIdle: 50,
    });
    const waiting = assertRejects(() => q.get(), QueueClosed);
    await deadline(q.close(), HANG);
    await deadline(waiting, HANG);
    await assertRejects(() => q.put("late"), QueueClosed);
    await using other = await RedisQueue.connect<string>(
      server.url,
      "closing",
      { claimIdle: 50 },
    );
    await other.put("after");
    assertEquals(await other.get({ timeout: 10_000 }), "after");
  },
);

redisTest("consume() ends quietly when its signal aborts", async (server) => {
  await using q = await RedisQueue.connect<number>(server.url, "stream");
  await q.put(7);
  const controller = new AbortController();
  const got: number[] = [];
  await deadline(
    (async () => {
      for await (const job of q.consume({ signal: controller.signal })) {
        got.push(job.data);
        await job.ack();
        controller.abort();
      }
    })(),
    HANG,
  );
  assertEquals(got, [7]);
});

redisTest(
  "put() refuses an item that cannot be cloned, and the queue goes on",
  async (server) => {
    await using q = await RedisQueue.connect(server.url, "clone");
    const error = await assertRejects(() => q.put(() => 1));
    assertIsError(error, Error, /cannot be structured-cloned/);
    assertEquals(error.name, "TypeError");
    await q.put("fine");
    assertEquals(await q.get({ timeout: 1000 }), "fine");
  },
);

redisTest(
  "RedisQueue.connect() rejects bad options naming the option",
  async (server, t) => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        "url",
        () => RedisQueue.connect("http://x", "q"),
        /'url' must be a redis:\/\//,
      ],
      [
        "name",
        () => RedisQueue.connect(server.url, ""),
        /'name' must be a non-empty string/,
      ],
      [
        "claimIdle",
        () => RedisQueue.connect(server.url, "q", { claimIdle: 0 }),
        /'claimIdle' must be a positive integer: received 0/,
      ],
      [
        "maxDeliveries",
        () => RedisQueue.connect(server.url, "q", { maxDeliveries: 1.5 }),
        /'maxDeliveries' must be a positive integer: received 1.5/,
      ],
    ];
    for (const [name, attempt, message] of cases) {
      await t.step(name, async () => {
        const error = await assertRejects(attempt);
        assertIsError(error, Error, message);
        assertEquals(error.name, "TypeError");
      });
    }
  },
);

redisTest(
  "RedisQueue.get() reads timeout -1 as forever and refuses other negatives and NaN, showing them",
  async (server, t) => {
    await using q = await RedisQueue.connect(server.url, "q");
    await t.step("get({ timeout: -1 }) waits for a job", async () => {
      const got = q.get({ timeout: -1 });
      await q.put(7);
      assertEquals(await got, 7);
    });
    for (const bad of [-2, NaN]) {
      await t.step(`get({ timeout: ${bad} })`, async () => {
        const error = await assertRejects(() => q.get({ timeout: bad }));
        assertIsError(
          error,
          RangeError,
          `'timeout' must be a number of milliseconds >= 0, or -1 (or undefined) to wait forever: received ${bad}`,
        );
      });
    }
  },
);

redisTest(
  "RedisQueue.connect() to a server that is not there says so",
  async (server) => {
    const url = server.url;
    await server.stop();
    assertIsError(
      await assertRejects(() => RedisQueue.connect(url, "q")),
      Error,
      /Is redis-server running/,
    );
  },
);

Deno.test("new RedisQueue() says to use RedisQueue.connect()", () => {
  const error = assertThrows(() => new RedisQueue());
  assertIsError(error, Error, /RedisQueue\.connect\(url, name, options\)/);
  assertEquals(error.name, "TypeError");
});
