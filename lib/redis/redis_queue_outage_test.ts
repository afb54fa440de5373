// RedisQueue when its server goes away: every call settles (within its
// timeout, or the reconnect window) with RedisConnectionError, close()
// resolves, and a server that comes back is used again with nothing lost.
import { assertEquals, assertMatch, assertRejects } from "@std/assert";
import { deadline } from "@std/async";
import { RedisConnectionError, RedisQueue } from "./redis_queue.ts";
import { redisTest } from "./_test_server.ts";

// A guard, not a measure: a call that hangs fails the test instead of
// stalling the suite. The window under test is 1 s.
const HANG = 20_000;

redisTest(
  "A killed server makes every pending and new call reject with RedisConnectionError, and close() resolves",
  async (server) => {
    const q = await RedisQueue.connect<number>(server.url, "jobs", {
      reconnectWindow: 1_000,
    });
    await q.put(1);
    assertEquals(await q.get({ timeout: 1_000 }), 1);
    const waiting = q.get(); // blocked in XREADGROUP when the server dies
    await server.stop("SIGKILL");
    const calls: Promise<unknown>[] = [
      waiting,
      q.get({ timeout: 200 }),
      q.put(2),
      q.qsize(),
    ];
    // Each is watched from now: whichever rejects first is not left alone.
    const checks = calls.map((call) =>
      assertRejects(() => deadline(call, HANG), RedisConnectionError)
    );
    for (const error of await Promise.all(checks)) {
      assertEquals(error.queue, "jobs");
      assertEquals(error.url, server.url);
      assertMatch(error.message, /Redis queue 'jobs'/);
      assertMatch(error.message, /Is redis-server running/);
    }
    await deadline(q.close(), HANG);
  },
);

redisTest(
  "A server restarted with its data during an outage: waiting calls go on, no job lost",
  async (server) => {
    await using q = await RedisQueue.connect<string>(server.url, "jobs");
    await deadline(q.put("before"), HANG);
    await deadline(server.stop("SIGKILL"), HANG);
    // Both wait, within the reconnect window (default 30 s), for the server.
    const put = q.put("during");
    const got = q.get({ timeout: 20_000 });
    await deadline(server.restart(), HANG);
    // "before" has the lower id: get() has it whichever call reaches the
    // server first.
    const [first] = await deadline(Promise.all([got, put]), HANG);
    assertEquals(first, "before");
    assertEquals(await deadline(q.get({ timeout: 5_000 }), HANG), "during");
  },
  // "With its data" means what the server acknowledged: with the default
  // appendfsync everysec a busy disk delays the log write past the reply,
  // and a SIGKILL then loses "before" (get() had "during" in 13 of 23 runs
  // under disk load).
  { persistent: true, args: ["--appendfsync", "always"] },
);

redisTest(
  "A wrong password is refused at connect with RedisConnectionError that hides it",
  async (server) => {
    const url = server.url.replace("//", "//:wrong-secret@");
    const error = await assertRejects(
      () => RedisQueue.connect(url, "jobs"),
      RedisConnectionError,
    );
    assertMatch(error.message, /user name or password/);
    assertEquals(error.message.includes("wrong-secret"), false);
    assertEquals(error.url, server.url.replace("//", "//:***@"));
    await using q = await RedisQueue.connect<number>(
      server.url.replace("//", "//:right-secret@"),
      "jobs",
    );
    await q.put(7);
    assertEquals(await q.get({ timeout: 1_000 }), 7);
  },
  { args: ["--requirepass", "right-secret"] },
);

redisTest(
  "A frozen server (it takes connections, answers nothing) fails calls in time; once it thaws, the queue works again",
  async (server) => {
    await using q = await RedisQueue.connect<number>(server.url, "jobs", {
      reconnectWindow: 1_000,
    });
    await q.put(1);
    server.pause();
    try {
      const calls: Promise<unknown>[] = [q.put(2), q.get({ timeout: 200 })];
      await Promise.all(
        calls.map((call) =>
          assertRejects(() => deadline(call, HANG), RedisConnectionError)
        ),
      );
    } finally {
      server.resume();
    }
    // The connections that waited in vain were dropped; new ones work.
    assertEquals(await q.get({ timeout: 5_000 }), 1);
  },
);
