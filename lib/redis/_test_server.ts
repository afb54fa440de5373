// Test and bench helper: a throwaway redis-server on a free loopback port,
// with no persistence, stopped (and reaped) by `await using`. Tests that need
// Redis go through `redisTest`, which runs them when redis-server is
// installed, fails them in CI when it is not (CI must run them: .ci/run
// installs it), and otherwise skips them with a message saying how to
// install it.
//
// Nothing here waits unbounded: a server that does not start, stop or
// drain its log within HANG is killed and the test fails; a test that has
// not finished after TEST_LIMIT fails, and the processes it started are
// killed, instead of holding the suite for ever.

import { deadline, delay } from "@std/async";

/** How long a server may take to start or stop (a guard, not a measure). */
const HANG = 60_000;
/** How long one Redis test may run before it counts as hung. */
const TEST_LIMIT = 240_000;

// What the running test started and must not outlive it (worker processes).
const leftovers = new Set<() => Promise<void>>();

/**
 * Registers `kill` to be run when the current Redis test ends, however it
 * ends; returns the function that unregisters it (once it ended by itself).
 */
export function killAtTestEnd(kill: () => Promise<void>): () => void {
  leftovers.add(kill);
  return () => leftovers.delete(kill);
}

/** A running redis-server. */
export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, or `signal`) and waits for it to exit. */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Starts it again, on the same port with the same data directory, after `stop()`. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
}

/** How to start a test server. */
export interface RedisServerOptions {
  /** More redis-server arguments (they override the defaults, e.g. `--requirepass x`). */
  args?: string[];
  /** Keeps its data in an append-only file of a temporary directory, so that a restart finds it. */
  persistent?: boolean;
  /** Serves TLS only (`rediss://`), with testdata/tls_server.pem signed by testdata/tls_ca.pem. */
  tls?: boolean;
}

/** The CA that signed the TLS test server's certificate (give it to clients as DENO_CERT). */
export const TEST_CA: string =
  new URL("./testdata/tls_ca.pem", import.meta.url).pathname;

/**
 * Kills process `pid` if this test process dies without stopping it (CI
 * killing a hung run, a crash): a `sh` reads its stdin, a pipe only this
 * process holds, and SIGKILLs `pid` at end of file. `release()` ends the
 * watch once the process was stopped normally.
 */
export function killWithUs(pid: number): { release(): Promise<void> } {
  const watch = new Deno.Command("sh", {
    args: ["-c", `read _ignored; kill -9 ${pid} 2>/dev/null`],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        try {
          watch.kill("SIGKILL"); // before its stdin closes: no kill -9
        } catch { /* gone */ }
        await watch.status;
        await watch.stdin.close().catch(() => {});
      })();
      return released;
    },
  };
}

/** What a child `deno` wrote, and how it ended. */
export interface DenoRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno <args>` to its end; one still running after HANG is killed
 * (also when the test ends first) and the test fails.
 */
export async function runDeno(
  args: string[],
  env?: Record<string, string>,
): Promise<DenoRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const watch = killWithUs(child.pid);
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    return child.status.then(() => {});
  };
  const forget = killAtTestEnd(kill);
  try {
    const out = await deadline(child.output(), HANG);
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
    return {
      code: out.code,
      stdout: text(out.stdout),
      stderr: text(out.stderr),
    };
  } catch (error) {
    await kill();
    throw new Error(`deno ${args.join(" ").slice(0, 80)} did not end`, {
      cause: error,
    });
  } finally {
    forget();
    await watch.release();
  }
}

/** True when a `redis-server` binary is on PATH. */
export function redisServerInstalled(): boolean {
  try {
    return new Deno.Command("redis-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

const INSTALLED = redisServerInstalled();
const IN_CI = Deno.env.get("CI") === "true";
const SKIP_NOTE =
  " [skipped: redis-server is not installed; apt-get install -y redis-server]";

/** Deno.test for a behaviour that needs a redis-server: gets its own, fresh one. */
export function redisTest(
  name: string,
  fn: (server: RedisServer, t: Deno.TestContext) => Promise<void>,
  options: RedisServerOptions = {},
): void {
  if (!INSTALLED && !IN_CI) {
    Deno.test({ name: name + SKIP_NOTE, ignore: true, fn() {} });
    return;
  }
  Deno.test(name, async (t) => {
    try {
      await using server = await startRedisServer(options);
      await deadline(fn(server, t), TEST_LIMIT).catch((error) => {
        if (error?.name !== "TimeoutError") throw error;
        throw new Error(
          `the test did not finish within ${TEST_LIMIT} ms: something it awaited hangs`,
          { cause: error },
        );
      });
    } finally {
      const kills = [...leftovers];
      leftovers.clear();
      await Promise.allSettled(kills.map((kill) => kill()));
    }
  });
}

/** Starts redis-server on 127.0.0.1 and waits until it accepts connections. */
export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServer> {
  if (!INSTALLED) {
    throw new Error(
      "redis-server is not installed; install it with `apt-get install -y redis-server` (.ci/run does this in CI).",
    );
  }
  const dir = options.persistent ? await Deno.makeTempDir() : undefined;
  const args = [
    ...(dir ? ["--appendonly", "yes", "--dir", dir] : []),
    ...options.args ?? [],
  ];
  const tls = options.tls ? tlsArgs : undefined;
  try {
    // The free port may be taken between our probe and redis' bind: retry.
    const withPort = (port: number) => tls ? [...args, ...tls(port)] : args;
    let process = await retried(() => {
      const port = freePort();
      return launch(port, withPort(port));
    });
    const { port } = process;
    const stop = async (signal?: Deno.Signal) => await process.stop(signal);
    return {
      url: `${tls ? "rediss" : "redis"}://127.0.0.1:${port}`,
      port,
      stop,
      pause: () => process.signal("SIGSTOP"),
      resume: () => process.signal("SIGCONT"),
      async restart() {
        // The old socket may linger a moment: retry on the same port.
        process = await retried(() => launch(port, withPort(port)));
      },
      async [Symbol.asyncDispose]() {
        await stop();
        if (dir) await Deno.remove(dir, { recursive: true });
      },
    };
  } catch (error) {
    if (dir) await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

function tlsArgs(port: number): string[] {
  const file = (name: string) =>
    new URL(`./testdata/${name}`, import.meta.url).pathname;
  return [
    "--port",
    "0",
    "--tls-port",
    String(port),
    "--tls-cert-file",
    file("tls_server.pem"),
    "--tls-key-file",
    file("tls_server.key"),
    "--tls-ca-cert-file",
    TEST_CA,
    "--tls-auth-clients",
    "no",
  ];
}

async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < 5; i++) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      await delay(50);
    }
  }
  throw lastError;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

interface Launched {
  port: number;
  stop(signal?: Deno.Signal): Promise<void>;
  signal(signal: Deno.Signal): void;
}

async function launch(port: number, extra: string[]): Promise<Launched> {
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      ...extra,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const watch = killWithUs(child.pid);
  // Readiness comes from this server's own log line, so a server some other
  // test started on the same port can never be mistaken for ours.
  let log = "";
  let markReady!: (ready: boolean) => void;
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  // A fork of the server (a background save) could hold its stdout open
  // after it died: the log is then cut off instead of waited for.
  const cut = new AbortController();
  const drained = (async () => {
    try {
      for await (
        const chunk of child.stdout.pipeThrough(new TextDecoderStream(), {
          signal: cut.signal,
        })
      ) {
        log += chunk;
        if (log.includes("Ready to accept connections")) markReady(true);
      }
    } catch { /* cut */ }
    markReady(false);
  })();
  const send = (name: Deno.Signal) => {
    try {
      child.kill(name);
    } catch { /* already gone */ }
  };
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    send(signal);
    send("SIGCONT"); // a paused server acts on its signal only once it runs
    try {
      await deadline(child.status, HANG);
    } catch {
      send("SIGKILL");
      await child.status;
    }
    await deadline(drained, HANG).catch(() => cut.abort());
    await drained;
    await watch.release();
  };
  const signal = (name: Deno.Signal) => child.kill(name);
  const started = await deadline(ready, HANG).catch(() => false);
  if (started) return { port, stop, signal };
  await stop("SIGKILL");
  throw new Error(
    `redis-server did not start on port ${port}: ${log.trim() || "no output"}`,
  );
}
