// pool_master.ts as the README runs it: a redis-server, two worker
// processes started with `deno task worker`'s command, then the master.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { deadline } from "@std/async";
import {
  killAtTestEnd,
  killWithUs,
  redisTest,
} from "../../lib/redis/_test_server.ts";
import { runExample } from "../_run_example.ts";

/** A worker command whose stdout (the tasks' prints) and stderr are kept. */
function startWorker(url: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../lib/redis/worker.ts", import.meta.url).pathname,
      "--redis",
      url,
      "--module",
      new URL("./pool_tasks.ts", import.meta.url).pathname,
      "--authkey",
      "abc",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const watch = killWithUs(child.pid);
  child.status.then(() => watch.release());
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    return child.status.then(() => watch.release());
  };
  // Killed when the test ends, even one that fails before stop().
  child.status.then(killAtTestEnd(kill));
  let log = "";
  const { promise: started, resolve, reject } = Promise.withResolvers<void>();
  const stderr = (async () => {
    for await (
      const chunk of child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      log += chunk;
      if (log.includes(" started\n")) resolve();
    }
    reject(new Error(`the worker exited before it started:\n${log}`));
  })();
  return {
    started: () => deadline(started, 60_000),
    async stop() {
      child.kill("SIGTERM"); // drains, then exits 0
      // A guard, not a measure: one that does not drain fails the test.
      const { code } = await deadline(child.status, 60_000).catch(
        async (error) => {
          await kill();
          throw new Error(`the worker did not drain:\n${log}`, {
            cause: error,
          });
        },
      );
      await stderr.catch(() => {});
      await watch.release();
      return { code, stdout: await stdout, stderr: log };
    },
  };
}

redisTest(
  "pool_master.ts: the tutorial's squares as pool.map over two worker processes",
  async (server) => {
    const workers = [startWorker(server.url), startWorker(server.url)];
    await Promise.all(workers.map((w) => w.started()));
    const { code, stderr, lines } = await runExample(
      "distributed/pool_master",
      "--redis",
      server.url,
      "--quick",
    );
    assertEquals(code, 0, stderr);
    const put = lines.slice(0, 10).map((l) =>
      Number(/^Put task (\d+)\.\.\.$/.exec(l)?.[1])
    );
    assert(put.every((n) => n >= 0 && n <= 10_000), lines.join("\n"));
    assertEquals(lines[10], "Try get results...");
    // In the order of the tasks, each once.
    assertEquals(
      lines.slice(11, 21),
      put.map((n) => `Result: ${n} * ${n} = ${n * n}`),
    );
    assertEquals(lines.slice(21), ["master exit."]);
    const ran: number[] = [];
    for (const worker of workers) {
      const { code, stdout, stderr } = await worker.stop();
      assertEquals(code, 0, stderr);
      const mine = [...stdout.matchAll(/^run task (\d+) \* \1\.\.\.$/gm)]
        .map((m) => Number(m[1]));
      assert(mine.length > 0, "a worker ran no task");
      ran.push(...mine);
    }
    assertEquals(ran.toSorted((a, b) => a - b), put.toSorted((a, b) => a - b));
    assertMatch(lines.join("\n"), /master exit\./);
  },
);
