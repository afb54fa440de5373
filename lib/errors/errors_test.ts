import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import * as root from "../../mod.ts";
import * as errors from "./mod.ts";
import { libraryErrorClass } from "./_registry.ts";
import { deserializeError, serializeError } from "../_crossing/errors.ts";
import { Pool } from "../pool/mod.ts";
import { Manager } from "../manager/mod.ts";
import { Queue } from "../queue/mod.ts";
import * as targets from "./testdata/raise.ts";

const module = new URL("./testdata/raise.ts", import.meta.url).href;

/** What another isolate receives: the serialized form, structured-cloned. */
function roundTrip(error: unknown): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

const classes = Object.entries(errors).filter(([, value]) =>
  typeof value === "function"
) as [string, abstract new (...args: never[]) => Error][];

Deno.test("every library error class is exported from mod.ts and registered for the crossing", async (t) => {
  assert(classes.length >= 20);
  for (const [name, cls] of classes) {
    await t.step(name, () => {
      assertStrictEquals((root as Record<string, unknown>)[name], cls);
      assertStrictEquals(libraryErrorClass(cls.name), cls);
    });
  }
});

Deno.test("one TimeoutError and one AbortError: Python's names subclass them", () => {
  const expired = new errors.TimeoutExpired(["sleep", "9"], 10, {
    stdout: "",
    stderr: "",
  });
  assertInstanceOf(expired, errors.TimeoutError);
  const aborted = new errors.SubprocessAbortError(["sleep", "9"], "stop", {
    stdout: "",
    stderr: "",
  });
  assertInstanceOf(aborted, errors.AbortError);
  assertEquals(aborted.name, "AbortError");
  assertStrictEquals(root.TimeoutError, errors.TimeoutError);
  assertStrictEquals(root.AbortError, errors.AbortError);
});

Deno.test("a library error comes back from another isolate as its own class, with its fields", async (t) => {
  const cases: [string, Error, (back: Error) => void][] = [
    ["Empty", new errors.Empty("nothing"), () => {}],
    ["WorkerCrashedError", new errors.WorkerCrashedError("w1", "died", 3), (
      back,
    ) => {
      const crashed = back as InstanceType<typeof errors.WorkerCrashedError>;
      assertEquals([crashed.worker, crashed.exitCode], ["w1", 3]);
    }],
    [
      "CalledProcessError",
      new errors.CalledProcessError(["false"], 1, { stdout: "o", stderr: "e" }),
      (back) => {
        const failed = back as InstanceType<typeof errors.CalledProcessError>;
        assertEquals([failed.cmd, failed.code, failed.stderr], [
          ["false"],
          1,
          "e",
        ]);
      },
    ],
    [
      "TimeoutExpired",
      new errors.TimeoutExpired(["sleep", "9"], 10, { stdout: "", stderr: "" }),
      (back) => assertInstanceOf(back, errors.TimeoutError),
    ],
    [
      "SubprocessAbortError",
      new errors.SubprocessAbortError(["sleep"], "why", {
        stdout: "",
        stderr: "",
      }),
      (back) => {
        assertInstanceOf(back, errors.AbortError);
        assertEquals(back.name, "AbortError");
      },
    ],
  ];
  for (const [name, error, check] of cases) {
    await t.step(name, () => {
      const back = roundTrip(error);
      assertInstanceOf(back, error.constructor as new () => Error);
      assertEquals(back.name, error.name);
      assertEquals(back.message, error.message);
      assertEquals(back.stack, error.stack);
      check(back);
    });
  }
  await t.step(
    "a user class that shares a library name stays a plain Error",
    () => {
      class Empty extends Error {
        override name = "Empty";
      }
      const back = roundTrip(new Empty("mine"));
      assertEquals(back.name, "Empty");
      assert(!(back instanceof errors.Empty));
    },
  );
});

Deno.test("errors raised in a thread or process worker keep their library class at the caller", async (t) => {
  for (const kind of ["thread", "process"] as const) {
    await using pool = new Pool({ size: 1, kind, module });
    await t.step(`${kind}: Empty`, async () => {
      await assertRejects(() => pool.apply(targets.emptyQueue), errors.Empty);
    });
    await t.step(`${kind}: TimeoutExpired is a TimeoutError`, async () => {
      const error = await assertRejects(
        () => pool.apply(targets.commandTimeout),
        errors.TimeoutExpired,
      );
      assertInstanceOf(error, errors.TimeoutError);
    });
    await t.step(`${kind}: SubprocessAbortError is an AbortError`, async () => {
      const error = await assertRejects(
        () => pool.apply(targets.commandAborted),
        errors.SubprocessAbortError,
      );
      assertInstanceOf(error, errors.AbortError);
    });
  }
});

Deno.test("a manager client's errors are the library's classes: Empty from the master, TimeoutError from callTimeout", async () => {
  await using manager = new Manager({ port: 0, authkey: "k" });
  manager.register("q", new Queue<number>());
  const { port } = await manager.start();
  // Two clients: with callTimeout 20 ms, even get({ timeout: 0 }) may time
  // out on a loaded machine before Empty comes back (flaky under load).
  await using plain = await Manager.connect({ port, authkey: "k" });
  await assertRejects(
    () => plain.queue<number>("q").get({ timeout: 0 }),
    errors.Empty,
  );
  await using client = await Manager.connect({
    port,
    authkey: "k",
    // Long enough for a round trip on a loaded machine (20 ms was not: the
    // quick get then timed out too); the blocking get waits it out.
    callTimeout: 1_000,
  });
  await assertRejects(
    () => client.queue<number>("q").get(),
    errors.TimeoutError,
  );
});
