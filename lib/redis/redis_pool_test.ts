// The Pool of kind "redis" as users call it: the same methods as the local
// kinds, with workers in this process (fast) or started as commands.
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
} from "@std/assert";
import { deadline } from "@std/async";
import { createClient } from "npm:redis@^5";
import { AuthenticationError } from "../_crossing/auth.ts";
import { TargetError } from "../_crossing/target.ts";
import { AbortError, TimeoutError, WorkerCrashedError } from "../pool/mod.ts";
import {
  add,
  announce,
  exitThread,
  fail,
  flaky,
  nap,
  slow,
  square,
} from "./testdata/pool_tasks.ts";
import { redisTest } from "./_test_server.ts";
import {
  guardedStep,
  HANG,
  OTHER,
  redisPool,
  until,
  worker,
} from "./_test_pool.ts";

redisTest(
  "apply, map, starmap, imap and imapUnordered give the local kinds' results",
  async (server, t) => {
    await using _w = await worker(server.url);
    await using pool = redisPool(server.url);
    await guardedStep(t, "apply", async () => {
      assertEquals(await deadline(pool.apply(square, [7]), HANG), 49);
      assertEquals(await deadline(pool.apply(add, [2, 3]), HANG), 5);
    });
    await guardedStep(t, "map keeps input order", async () => {
      const items = Array.from({ length: 300 }, (_, i) => i);
      assertEquals(
        await deadline(pool.map(square, items), HANG),
        items.map((i) => i * i),
      );
    });
    await guardedStep(t, "starmap", async () => {
      assertEquals(await deadline(pool.starmap(add, [[1, 2], [3, 4]]), HANG), [
        3,
        7,
      ]);
    });
    await guardedStep(t, "imap yields in input order", async () => {
      const out: number[] = [];
      for await (const v of pool.imap(square, [3, 1, 2])) out.push(v);
      assertEquals(out, [9, 1, 4]);
    });
    await guardedStep(
      t,
      "imapUnordered yields each as it finishes",
      async () => {
        // taskTimeout makes each task run alone on a thread of the worker.
        // Both threads are started first, so that starting one on a loaded
        // machine is not what takes longest.
        await using timed = redisPool(server.url, { taskTimeout: 60_000 });
        await deadline(timed.map(nap, [10, 10], { chunksize: 1 }), HANG);
        const ordered: number[] = [];
        for await (const v of timed.imap(nap, [1_000, 0, 0])) ordered.push(v);
        assertEquals(ordered, [1_000, 0, 0]);
        await deadline(timed.map(nap, [10, 10], { chunksize: 1 }), HANG);
        const unordered: number[] = [];
        for await (const v of timed.imapUnordered(nap, [1_000, 0, 0])) {
          unordered.push(v);
        }
        assertEquals(unordered, [0, 0, 1_000]);
      },
    );
    await guardedStep(
      t,
      "an error keeps its class name and message",
      async () => {
        const error = await assertRejects(() =>
          deadline(pool.apply(fail, ["boom"]), HANG)
        );
        assertInstanceOf(error, Error);
        assertEquals(error.name, "RangeError");
        assertEquals(error.message, "boom");
      },
    );
    await guardedStep(
      t,
      "an endless input streams with bounded read-ahead",
      async () => {
        let made = 0;
        function* naturals() {
          while (true) yield made++;
        }
        let sum = 0;
        let seen = 0;
        for await (const v of pool.imap(square, naturals())) {
          sum += v;
          if (++seen === 500) break;
        }
        assertEquals(
          sum,
          Array.from({ length: 500 }, (_, i) => i * i)
            .reduce((a, b) => a + b),
        );
        assert(made < 500 + 2_000, `read ${made} items ahead`);
      },
    );
    const stats = pool.stats;
    assertEquals(stats.failed, 1);
    assert(stats.completed > 0);
  },
);

redisTest(
  "A task that throws twice then succeeds under retries: 2",
  async (server) => {
    await using _w = await worker(server.url);
    await using pool = redisPool(server.url, { retries: 2, retryDelay: 10 });
    const counter = await Deno.makeTempFile();
    try {
      assertEquals(await deadline(pool.apply(flaky, [counter, 2]), HANG), 3);
      assertEquals(pool.stats.retried, 2);
      // One more failure than retries allow: the task fails, dead-lettered.
      await Deno.writeTextFile(counter, "0");
      const error = await assertRejects(() =>
        deadline(pool.apply(flaky, [counter, 3]), HANG)
      );
      assertMatch((error as Error).message, /call 3 fails/);
      const dead = await deadLetters(server.url);
      assert(dead.some((d) => /failed 3 times/.test(d.reason)), String(dead));
    } finally {
      await Deno.remove(counter);
    }
  },
);

redisTest(
  "A worker refuses a module it was not started with, and shipped source, naming the flag",
  async (server) => {
    await using _w = await worker(server.url, { modules: [OTHER] });
    await using pool = redisPool(server.url);
    const error = await assertRejects(
      () => deadline(pool.apply(square, [2]), HANG),
      TargetError,
    );
    assertMatch(error.message, /refuses to run 'square' of .*pool_tasks\.ts/);
    assertMatch(error.message, /--module/);
    const source = await assertRejects(
      () => deadline(pool.apply((x: number) => x, [1], { module: null }), HANG),
      TargetError,
    );
    assertMatch(source.message, /--allow-source/);
    const dead = await deadLetters(server.url);
    assert(dead.some((d) => /refuses to run 'square'/.test(d.reason)));
  },
);

redisTest(
  "A task signed with another key is refused unrun: AuthenticationError, and a dead letter with the reason",
  async (server) => {
    const ran = await Deno.makeTempFile();
    try {
      await using _w = await worker(server.url);
      await using pool = redisPool(server.url, { authkey: "wrong-key" });
      await assertRejects(
        () => deadline(pool.apply(announce, [ran, 0]), HANG),
        AuthenticationError,
        "--authkey",
      );
      assertEquals(await Deno.readTextFile(ran), "");
      const dead = await deadLetters(server.url);
      assert(dead.some((d) => /bad signature/.test(d.reason)));
    } finally {
      await Deno.remove(ran);
    }
  },
);

redisTest(
  "taskTimeout stops the task on its worker, and the worker goes on",
  async (server) => {
    await using w = await worker(server.url, { concurrency: 1 });
    await using timed = redisPool(server.url, { taskTimeout: 300 });
    await assertRejects(
      () => deadline(timed.apply(slow, [1, 60_000]), HANG),
      TimeoutError,
    );
    assertEquals(w.running, 0);
    // The one slot is free again (a pool without the tight limit, as a
    // loaded machine may take longer than 300 ms to start a new thread).
    await using pool = redisPool(server.url);
    assertEquals(await deadline(pool.apply(square, [3]), HANG), 9);
  },
);

redisTest(
  "signal cancels a running task on its worker, and a queued one before any worker takes it",
  async (server) => {
    const started = await Deno.makeTempFile();
    try {
      await using pool = redisPool(server.url);
      // Queued: no worker yet, so it waits in Redis; abort removes it.
      const queued = new AbortController();
      const waiting = pool.apply(square, [1], { signal: queued.signal });
      await until(async () => (await streamLength(server.url)) === 1, "XADD");
      queued.abort();
      await assertRejects(() => deadline(waiting, HANG), AbortError);
      await until(async () => (await streamLength(server.url)) === 0, "XDEL");

      await using w = await worker(server.url, { concurrency: 1 });
      const running = new AbortController();
      const call = pool.apply(announce, [started, 60_000], {
        signal: running.signal,
      });
      await until(
        async () => (await Deno.readTextFile(started)) === "started",
        "the task to start",
      );
      running.abort();
      await assertRejects(() => deadline(call, HANG), AbortError);
      await until(() => w.running === 0, "the worker to stop the task");
      assertEquals(await deadline(pool.apply(square, [4]), HANG), 16);
    } finally {
      await Deno.remove(started);
    }
  },
);

redisTest(
  "stats count live workers by heartbeat; a closed pool leaves no key of its own",
  async (server) => {
    await using _a = await worker(server.url, { concurrency: 2 });
    await using _b = await worker(server.url, { concurrency: 3 });
    const pool = redisPool(server.url);
    await deadline(pool.map(square, [1, 2, 3, 4]), HANG);
    await until(() => pool.stats.workers === 2, "two heartbeats");
    assertEquals(pool.stats.size, 5);
    assertEquals(pool.stats.completed > 0, true);
    pool.close();
    await deadline(pool.join(), HANG);
    const keys = await redisKeys(server.url);
    // Shared and bounded: the task stream, the worker set and heartbeats.
    assertEquals(
      keys.filter((k) => !/:tasks$|:workers$|:w:/.test(k)),
      [],
    );
  },
);

interface DeadLetter {
  reason: string;
}

async function withClient<T>(
  url: string,
  fn: (client: ReturnType<typeof createClient>) => Promise<T>,
): Promise<T> {
  const client = createClient({ url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

function deadLetters(url: string): Promise<DeadLetter[]> {
  return withClient(url, async (client) => {
    const entries = await client.xRange("mt:{multitask}:dead", "-", "+");
    return entries.map((e) => ({ reason: String(e.message.reason) }));
  });
}

function streamLength(url: string): Promise<number> {
  return withClient(url, (c) => c.xLen("mt:{multitask}:tasks"));
}

function redisKeys(url: string): Promise<string[]> {
  return withClient(url, (c) => c.keys("*"));
}

redisTest(
  "A task that kills its thread on the worker fails alone with WorkerCrashedError naming that worker",
  async (server) => {
    await using w = await worker(server.url);
    await using pool = redisPool(server.url);
    const error = await assertRejects(
      () => deadline(pool.apply(exitThread, [3]), HANG),
      WorkerCrashedError,
    );
    assertMatch(error.message, new RegExp(w.id));
    assertEquals(await deadline(pool.apply(square, [2]), HANG), 4);
  },
);

redisTest(
  "A worker that stops without finishing hands its tasks back: another takes them at once, not after visibilityTimeout",
  async (server) => {
    const started = await Deno.makeTempFile();
    // Ten minutes: were the task not handed back, the guard would fail.
    const pool = redisPool(server.url, { visibilityTimeout: 600_000 });
    try {
      const a = await worker(server.url, { concurrency: 1 });
      const call = pool.apply(announce, [started, 1_000]);
      await until(
        async () => (await Deno.readTextFile(started)) === "started",
        "the task to start on the first worker",
      );
      await deadline(a.terminate(), HANG); // its thread is killed, the task left pending
      await Deno.writeTextFile(started, "");
      await using _b = await worker(server.url, { concurrency: 1 });
      assertEquals(await deadline(call, HANG), "finished");
      assertEquals(await Deno.readTextFile(started), "started");
    } finally {
      await deadline(pool.terminate(), HANG);
      await Deno.remove(started);
    }
  },
);
