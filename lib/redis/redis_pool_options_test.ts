// Wrong options of a redis pool and of the worker command are refused up
// front, naming the option and what to do; nothing connects.
import {
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { Pool, type PoolOptions } from "../pool/mod.ts";
import { parseWorkerArgs, startWorker } from "./worker.ts";

const base: PoolOptions = {
  kind: "redis",
  redis: "redis://127.0.0.1:1",
  authkey: "k",
};

Deno.test("new Pool({ kind: 'redis' }) refuses wrong options naming them", async (t) => {
  const cases: [string, PoolOptions, RegExp][] = [
    ["no server", { ...base, redis: undefined }, /needs 'redis'/],
    ["not a redis URL", { ...base, redis: "http://x" }, /redis:\/\//],
    ["no authkey", { ...base, authkey: undefined }, /'authkey' must be/],
    ["empty authkey", { ...base, authkey: "" }, /'authkey' must be/],
    ["initializer", { ...base, initializer: () => {} }, /does not apply/],
    ["minSize", { ...base, minSize: 1 }, /'minSize' does not apply to kind/],
    ["maxSize", { ...base, maxSize: 4 }, /'maxSize' does not apply to kind/],
    ["idleTimeout", { ...base, idleTimeout: 50 }, /'idleTimeout' does not/],
    ["maxMemoryMb", { ...base, maxMemoryMb: 64 }, /'maxMemoryMb' does not/],
    ["name unfit for a key", { ...base, name: "a b" }, /'name', the pool's/],
    ["visibilityTimeout", { ...base, visibilityTimeout: 0 }, /positive/],
    ["retries", { ...base, retries: -1 }, /'retries' must be/],
    ["retryDelay", { ...base, retryDelay: 1.5 }, /'retryDelay' must be/],
  ];
  for (const [name, options, message] of cases) {
    await t.step(name, () => {
      const error = assertThrows(() => new Pool(options), TypeError);
      assertMatch(error.message, message);
    });
  }
});

Deno.test("The worker command refuses wrong flags, and reads the key from MULTITASK_AUTHKEY", async (t) => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const redis = ["--redis", "redis://127.0.0.1:1"];
  await t.step("an unknown flag", () => {
    assertThrows(
      () =>
        parseWorkerArgs(
          [...redis, "--modul", "x.ts", "--authkey", "k"],
          env({}),
        ),
      TypeError,
      "--modul",
    );
  });
  await t.step("no --redis", () => {
    assertThrows(
      () => parseWorkerArgs(["--authkey", "k"], env({})),
      TypeError,
      "--redis",
    );
  });
  await t.step("no key anywhere", () => {
    assertThrows(
      () => parseWorkerArgs([...redis, "--module", "x.ts"], env({})),
      TypeError,
      "MULTITASK_AUTHKEY",
    );
  });
  await t.step("the key from the environment, modules repeated", () => {
    const options = parseWorkerArgs(
      [...redis, "--module", "a.ts", "--module", "b.ts", "--kind", "process"],
      env({ MULTITASK_AUTHKEY: "secret" }),
    );
    assertEquals(options.authkey, "secret");
    assertEquals(options.modules, ["a.ts", "b.ts"]);
    assertEquals(options.kind, "process");
  });
  await t.step("no module, a wrong kind or concurrency", async () => {
    const ok = {
      redis: "redis://127.0.0.1:1",
      authkey: "k",
      modules: ["./x.ts"],
    };
    await assertRejects(
      () => startWorker({ ...ok, modules: [] }),
      TypeError,
      "--module",
    );
    await assertRejects(
      // deno-lint-ignore no-explicit-any
      () => startWorker({ ...ok, kind: "fiber" as any }),
      TypeError,
      "'kind'",
    );
    await assertRejects(
      () => startWorker({ ...ok, concurrency: 0 }),
      TypeError,
      "'concurrency'",
    );
  });
});
