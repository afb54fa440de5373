// Runs the Python tutorial's master and workers as real processes on loopback: the
// built-in Manager (exactly once, wrong key refused) and Redis Streams (at
// least once, nothing missing after a worker is killed mid-job).
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
} from "@std/assert";
import { redisTest } from "../../lib/redis/_test_server.ts";

/** A running example whose stdout lines can be awaited as they come. */
class Program {
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #pumped: Promise<void>;
  readonly #stderr: Promise<string>;
  #waiters: Array<() => void> = [];

  constructor(name: string, args: string[]) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(`./${name}.ts`, import.meta.url).pathname,
        ...args,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
      // A hung program is killed, which ends waitFor() with its output.
      signal: AbortSignal.timeout(120_000),
    }).spawn();
    this.#pumped = this.#pump();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  async #pump(): Promise<void> {
    let rest = "";
    for await (
      const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      this.lines.push(...parts);
      for (const wake of this.#waiters.splice(0)) wake();
    }
    if (rest) this.lines.push(rest);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves with the first line matching `pattern`, or fails if the program ends first. */
  async waitFor(pattern: RegExp): Promise<string> {
    let ended = false;
    this.#pumped.then(() => (ended = true));
    while (true) {
      const line = this.lines.find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (ended) {
        throw new Error(
          `never printed ${pattern}:\n${this.lines.join("\n")}\n${await this
            .#stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        this.#pumped.then(() => resolve());
      });
    }
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }

  /** Waits for the exit; returns the code and stderr. */
  async finish(): Promise<{ code: number; stderr: string }> {
    const { code } = await this.#child.status;
    await this.#pumped;
    return { code, stderr: await this.#stderr };
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/**
 * Starts task_master.ts on a free port and waits until it serves. Another
 * test may take the port between our probe and the master's bind: retry.
 */
async function startMaster(
  args: string[] = [],
): Promise<{ master: Program; port: string }> {
  for (let attempt = 1;; attempt++) {
    const port = String(freePort());
    const master = new Program("task_master", ["--port", port, ...args]);
    try {
      await master.waitFor(/^Try get results\.\.\.$/);
      return { master, port };
    } catch (error) {
      const { stderr } = await master.finish();
      if (attempt === 3 || !stderr.includes("AddrInUse")) throw error;
    }
  }
}

const numbers = (lines: string[], pattern: RegExp) =>
  lines.flatMap((l) => {
    const match = pattern.exec(l);
    return match ? [Number(match[1])] : [];
  }).sort((a, b) => a - b);

function checkMaster(lines: string[]): number[] {
  const put = numbers(lines, /^Put task (\d+)\.\.\.$/);
  assertEquals(put.length, 10, lines.join("\n"));
  assert(put.every((n) => n >= 0 && n <= 10000));
  assertEquals(lines[10], "Try get results...");
  const results = lines.slice(11, 21);
  for (const line of results) {
    const [, n, m, square] = /^Result: (\d+) \* (\d+) = (\d+)$/.exec(line) ??
      [];
    assert(
      n !== undefined && n === m && Number(square) === Number(n) ** 2,
      line,
    );
  }
  // Every task's result arrives, none twice.
  assertEquals(numbers(results, /^Result: (\d+) \*/), put);
  assertEquals(lines.slice(21), ["master exit."]);
  return put;
}

Deno.test("task_master.ts and two task_worker.ts processes: every task is done exactly once", async () => {
  const { master, port } = await startMaster();
  const workers = [1, 2].map(() =>
    new Program("task_worker", ["--port", port, "--delay", "20"])
  );
  const { code, stderr } = await master.finish();
  assertEquals(code, 0, stderr);
  const put = checkMaster(master.lines);
  const ran: number[] = [];
  for (const worker of workers) {
    const { code, stderr } = await worker.finish();
    assertEquals(worker.lines[0], "Connect to server 127.0.0.1...");
    if (code !== 0 && /connection refused/.test(stderr)) {
      // It started after the other worker had done every task and the master
      // had exited (a loaded machine starts processes slowly): it ran nothing.
      assertEquals(worker.lines.length, 1, worker.lines.join("\n"));
      continue;
    }
    assertEquals(code, 0, stderr);
    assertEquals(worker.lines.at(-1), "worker exit.");
    ran.push(...numbers(worker.lines, /^run task (\d+) \* \1\.\.\.$/));
  }
  assertEquals(ran.sort((a, b) => a - b), put);
});

Deno.test("task_worker.ts with the wrong authkey is refused and the master goes on serving", async () => {
  const { master, port } = await startMaster(["--authkey", "abc"]);
  const intruder = new Program("task_worker", [
    "--port",
    port,
    "--authkey",
    "wrong",
  ]);
  const refused = await intruder.finish();
  assertEquals(refused.code, 1);
  assertMatch(refused.stderr, /^AuthenticationError: .*same authkey/m);
  assertEquals(intruder.lines, ["Connect to server 127.0.0.1..."]);
  const worker = new Program("task_worker", [
    "--port",
    port,
    "--authkey",
    "abc",
    "--delay",
    "0",
  ]);
  const { code, stderr } = await master.finish();
  assertEquals(code, 0, stderr);
  const put = checkMaster(master.lines);
  assertEquals((await worker.finish()).code, 0);
  assertEquals(numbers(worker.lines, /^run task (\d+) \*/), put);
});

redisTest(
  "On Redis, a task whose worker was killed mid-job is redone by another: none missing",
  async (server) => {
    const redis = ["--redis", server.url];
    const master = new Program("task_master", redis);
    await master.waitFor(/^Try get results\.\.\.$/);
    // This worker takes one task and dies while working on it.
    const doomed = new Program("task_worker", [...redis, "--delay", "600000"]);
    const taken = Number(
      /^run task (\d+)/.exec(await doomed.waitFor(/^run task /))![1],
    );
    doomed.kill();
    assertNotEquals((await doomed.finish()).code, 0);
    // The survivor does the other nine, then the abandoned one once it has
    // been idle --claim-idle ms (its get() waits up to --timeout for it).
    const survivor = new Program("task_worker", [
      ...redis,
      "--delay",
      "0",
      "--claim-idle",
      "200",
      "--timeout",
      "20000",
    ]);
    const { code, stderr } = await master.finish();
    assertEquals(code, 0, stderr);
    const put = checkMaster(master.lines);
    const done = await survivor.finish();
    assertEquals(done.code, 0, done.stderr);
    const ran = numbers(survivor.lines, /^run task (\d+) \*/);
    assertEquals(ran, put);
    assert(ran.includes(taken));
    assertEquals(survivor.lines.at(-1), "worker exit.");
  },
);
