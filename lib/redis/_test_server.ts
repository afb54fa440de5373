// Test and bench helper: a throwaway redis-server on a free loopback port,
// with no persistence, stopped (and reaped) by `await using`. Tests that need
// Redis go through `redisTest`, which runs them when redis-server is
// installed, fails them in CI when it is not (CI must run them: .ci/run
// installs it), and otherwise skips them with a message saying how to
// install it.

/** A running redis-server. */
export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
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
): void {
  if (!INSTALLED && !IN_CI) {
    Deno.test({ name: name + SKIP_NOTE, ignore: true, fn() {} });
    return;
  }
  Deno.test(name, async (t) => {
    await using server = await startRedisServer();
    await fn(server, t);
  });
}

/** Starts redis-server on a free 127.0.0.1 port and waits until it accepts connections. */
export async function startRedisServer(): Promise<RedisServer> {
  if (!INSTALLED) {
    throw new Error(
      "redis-server is not installed; install it with `apt-get install -y redis-server` (.ci/run does this in CI).",
    );
  }
  let lastError: Error | undefined;
  // The free port may be taken between our probe and redis' bind: retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await launch(freePort());
    } catch (error) {
      lastError = error as Error;
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

async function launch(port: number): Promise<RedisServer> {
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
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // Readiness comes from this server's own log line, so a server some other
  // test started on the same port can never be mistaken for ours.
  let log = "";
  let markReady!: (ready: boolean) => void;
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  const drained = (async () => {
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      log += chunk;
      if (log.includes("Ready to accept connections")) markReady(true);
    }
    markReady(false);
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await drained;
  };
  if (await ready) {
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
  await stop();
  throw new Error(
    `redis-server did not start on port ${port}: ${log.trim() || "no output"}`,
  );
}
