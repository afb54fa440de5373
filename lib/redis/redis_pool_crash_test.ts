// The Redis pool when things die: a worker process SIGKILLed mid-map, the
// Redis server killed (and restarted, or not), a wrong password.
import {
  assert,
  assertEquals,
  assertGreater,
  assertMatch,
  assertRejects,
} from "@std/assert";
import { deadline } from "@std/async";
import { createClient } from "npm:redis@^5";
import { RedisConnectionError } from "./errors.ts";
import { announce, sleepySquare, square } from "./testdata/pool_tasks.ts";
import { redisTest, runDeno, TEST_CA } from "./_test_server.ts";
import { HANG, redisPool, until, worker, WorkerProcess } from "./_test_pool.ts";

redisTest(
  "map of 2,000 tasks on 3 worker processes, one SIGKILLed mid-run: exact results, each delivered once",
  async (server) => {
    await using a = new WorkerProcess(server.url, ["--concurrency", "2"]);
    await using b = new WorkerProcess(server.url, ["--concurrency", "2"]);
    await using c = new WorkerProcess(server.url, ["--concurrency", "2"]);
    await Promise.all([a.started(), b.started(), c.started()]);
    await using pool = redisPool(server.url, { visibilityTimeout: 1_000 });
    const items = Array.from({ length: 2_000 }, (_, i) => i);
    const progress: number[] = [];
    let heldByKilled: Promise<number> | undefined;
    const results = await deadline(
      pool.map(sleepySquare, items, {
        chunksize: 50,
        onProgress: ({ done }) => {
          progress.push(done);
          if (done >= 400 && !heldByKilled) {
            a.kill("SIGKILL");
            heldByKilled = a.exit().then(() => pendingOf(server.url, a));
          }
        },
      }),
      HANG,
    );
    assertEquals(results, items.map((i) => i * i));
    // One progress report per chunk, each counted once.
    assertEquals(progress.length, 40);
    assertEquals(progress.at(-1), 2_000);
    assert(progress.every((n, i) => i === 0 || n > progress[i - 1]));
    assertEquals(pool.stats.completed, 40);
    assertGreater(
      await deadline(heldByKilled!, HANG),
      0,
      "the killed worker held no task",
    );
  },
);

redisTest(
  "redis-server killed mid-map and restarted with its data: the map completes",
  async (server) => {
    await using _w = await worker(server.url);
    await using pool = redisPool(server.url, { visibilityTimeout: 1_000 });
    const items = Array.from({ length: 400 }, (_, i) => i);
    let restarted: Promise<void> | undefined;
    const mapped = pool.map(sleepySquare, items, {
      chunksize: 10,
      onProgress: ({ done }) => {
        if (done >= 100 && !restarted) {
          restarted = server.stop("SIGKILL").then(() => server.restart());
        }
      },
    });
    assertEquals(await deadline(mapped, HANG), items.map((i) => i * i));
    await deadline(restarted!, HANG);
    assertEquals(await deadline(pool.apply(square, [5]), HANG), 25);
  },
  { persistent: true, args: ["--appendfsync", "always"] },
);

redisTest(
  "A task handed to a worker in a reply it never got (the server died first) is taken back by that worker, even when it is the only one",
  async (server) => {
    // The one worker's entry is made pending under its name behind its
    // back, as a server killed between logging a delivery and sending it
    // leaves it. Ten minutes of visibilityTimeout, so that no take-over of
    // the stand-in consumer's entry can happen on the way; the entry is
    // then marked idle that long.
    await using pool = redisPool(server.url, { visibilityTimeout: 600_000 });
    const client = createClient({ url: server.url });
    await client.connect();
    try {
      const tasks = "mt:{multitask}:tasks";
      await client.sendCommand([
        "XGROUP",
        "CREATE",
        tasks,
        "workers",
        "0",
        "MKSTREAM",
      ]);
      const result = pool.apply(square, [7]);
      await until(
        async () => (await client.xLen(tasks)) === 1,
        "the task entry",
      );
      const [entry] = await client.xRange(tasks, "-", "+");
      // Delivered, so that it is nobody's new entry any more.
      await client.sendCommand([
        "XREADGROUP",
        "GROUP",
        "workers",
        "stand-in",
        "STREAMS",
        tasks,
        ">",
      ]);
      await using w = await worker(server.url);
      await client.sendCommand([
        "XCLAIM",
        tasks,
        "workers",
        w.id,
        "0",
        entry.id,
        "IDLE",
        String(1e9),
        "JUSTID",
      ]);
      assertEquals(await deadline(result, HANG), 49);
      assertEquals(pool.stats.completed, 1);
    } finally {
      client.destroy();
    }
  },
);

redisTest(
  "redis-server killed and not restarted: every pending call rejects with RedisConnectionError, nothing hangs",
  async (server) => {
    await using w = await worker(server.url, {
      concurrency: 1,
      reconnectWindow: 1_000,
    });
    await using pool = redisPool(server.url, { reconnectWindow: 1_000 });
    assertEquals(await deadline(pool.apply(square, [2]), HANG), 4);
    const running = pool.map(sleepySquare, [1, 2, 3], { chunksize: 1 });
    const queued = pool.apply(sleepySquare, [4, 60_000]);
    await deadline(server.stop("SIGKILL"), HANG);
    const checks = ([running, queued] as Promise<unknown>[]).map((call) =>
      assertRejects(() => deadline(call, HANG), RedisConnectionError)
    );
    for (const error of await Promise.all(checks)) {
      assertEquals(error.url, server.url);
      assertMatch(error.message, /Redis pool 'multitask'/);
    }
    await deadline(w.stopped, HANG);
    assert(w.error instanceof RedisConnectionError, String(w.error));
    await deadline(pool.terminate(), HANG);
  },
);

redisTest(
  "A wrong Redis password is a clear error at connect; the right one, or an ACL user, works",
  async (server) => {
    const url = (auth: string) => server.url.replace("//", `//${auth}@`);
    const pool = redisPool(url(":wrong"));
    const error = await assertRejects(
      () => deadline(pool.apply(square, [1]), HANG),
      RedisConnectionError,
    );
    assertMatch(error.message, /user name or password/);
    assertEquals(error.message.includes("wrong"), false);
    await deadline(pool.terminate(), HANG);
    await assertRejects(
      () => worker(url(":wrong")),
      RedisConnectionError,
      "password",
    );
    for (const auth of [":right", "alice:alice-pw"]) {
      await using _w = await worker(url(auth));
      await using ok = redisPool(url(auth));
      assertEquals(await deadline(ok.apply(square, [3]), HANG), 9);
    }
  },
  {
    args: [
      "--requirepass",
      "right",
      "--user",
      "alice",
      "on",
      ">alice-pw",
      "~*",
      "&*",
      "+@all",
    ],
  },
);

/** Entries pending for `worker`'s consumer (what it held when it died). */
async function pendingOf(url: string, worker: WorkerProcess): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  try {
    const consumers = await client.xInfoConsumers(
      "mt:{multitask}:tasks",
      "workers",
    );
    const id = worker.id;
    return consumers.find((c) => c.name === id)?.pending ?? 0;
  } finally {
    client.destroy();
  }
}

redisTest(
  "rediss:// runs the pool and its worker over TLS (the CA given as DENO_CERT); without the CA the error says what to do",
  async (server) => {
    const script = `
      import { redisPool, worker } from ${
      JSON.stringify(new URL("./_test_pool.ts", import.meta.url).href)
    };
      import { square } from ${
      JSON.stringify(new URL("./testdata/pool_tasks.ts", import.meta.url).href)
    };
      try {
        await using _w = await worker(${JSON.stringify(server.url)});
        await using pool = redisPool(${JSON.stringify(server.url)});
        console.log(await pool.apply(square, [6]));
      } catch (error) {
        console.log(error.message);
      }
    `;
    const run = async (env: Record<string, string>) =>
      (await runDeno(["eval", script], env)).stdout;
    assertEquals(await run({ DENO_CERT: TEST_CA }), "36");
    assertMatch(await run({}), /TLS handshake failed.*DENO_CERT/);
  },
  { tls: true },
);

redisTest(
  "SIGTERM drains a worker process: it finishes the task it runs, takes nothing new, exits 0",
  async (server) => {
    const started = await Deno.makeTempFile();
    try {
      await using w = new WorkerProcess(server.url, ["--concurrency", "1"]);
      await w.started();
      await using pool = redisPool(server.url);
      const running = pool.apply(announce, [started, 500]);
      await until(
        async () => (await Deno.readTextFile(started)) === "started",
        "the task to start",
      );
      w.kill("SIGTERM");
      await w.said(/draining/);
      const later = pool.apply(square, [5]); // the draining worker leaves it
      assertEquals(await deadline(running, HANG), "finished");
      const { code, stderr } = await w.exit();
      assertEquals(code, 0, stderr);
      assertMatch(stderr, /stopped/);
      assertEquals(pool.stats.completed, 1);
      await using _next = await worker(server.url);
      assertEquals(await deadline(later, HANG), 25);
    } finally {
      await Deno.remove(started);
    }
  },
);
