import {
  assertEquals,
  assertNotInstanceOf,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  call,
  checkOutput,
  CommandNotFound,
  pipeline,
  run,
  spawn,
} from "./mod.ts";

/** Every way of starting a command, with `options` added. */
function starters(
  cmd: string[],
  options: Record<string, unknown>,
): [string, () => Promise<unknown>][] {
  return [
    ["run()", () => run(cmd, options)],
    ["run() with a timeout", () => run(cmd, { ...options, timeout: 60_000 })],
    [
      "run() with stderr: 'stdout'",
      () => run(cmd, { ...options, stderr: "stdout" }),
    ],
    ["call()", () => call(cmd, options)],
    ["checkOutput()", () => checkOutput(cmd, options)],
    ["pipeline()", () => pipeline(cmd, ["cat"], options)],
    ["spawn()", async () => {
      await using _ = spawn(cmd, options);
    }],
  ];
}

Deno.test("a missing working directory is named as such, not as a missing program", async (t) => {
  const cwd = "/no/such/dir";
  for (const [name, start] of starters(["echo", "x"], { cwd })) {
    await t.step(name, async () => {
      const error = await assertRejects(
        start,
        Deno.errors.NotFound,
        `Cannot run 'echo' as its working directory "${cwd}" does not exist`,
      );
      assertNotInstanceOf(error, CommandNotFound);
    });
  }
});

Deno.test("a working directory that is a file is refused as NotADirectory", async () => {
  const file = await Deno.makeTempFile();
  try {
    await assertRejects(
      () => run(["echo", "x"], { cwd: file }),
      Deno.errors.NotADirectory,
      "is not a directory",
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a missing program in an existing directory is still CommandNotFound", async () => {
  const error = await assertRejects(
    () => run(["no-such-program-xyz"], { cwd: "/" }),
    CommandNotFound,
  );
  assertEquals(error.cmd, ["no-such-program-xyz"]);
});

Deno.test("a NUL byte is a TypeError before anything starts", async (t) => {
  const cases: [string, string[], Record<string, unknown>, string][] = [
    [
      "in the program",
      ["ec\0ho", "x"],
      {},
      "its program name contains a NUL byte",
    ],
    [
      "in an argument",
      ["echo", "ok", "a\0b"],
      {},
      "its argument 2 contains a NUL byte",
    ],
    [
      "in an env value",
      ["echo"],
      { env: { A: "b\0" } },
      "'env' must be an object of string values without NUL bytes",
    ],
    [
      "in an env name",
      ["echo"],
      { env: { "A\0": "b" } },
      "'env' must be an object of string values without NUL bytes",
    ],
    [
      "in cwd",
      ["echo"],
      { cwd: "/tm\0p" },
      "'cwd' must be a path string or a file: URL, without NUL bytes",
    ],
  ];
  for (const [name, cmd, options, message] of cases) {
    await t.step(name, async () => {
      for (const [, start] of starters(cmd, options)) {
        await assertRejects(start, TypeError, message);
      }
      assertThrows(() => spawn(cmd, options), TypeError, message);
    });
  }
});

Deno.test("bad numbers are shown as given", async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ timeout: NaN }, "received NaN."],
    [{ timeout: 2 ** 31 }, "received 2147483648."],
    [{ timeout: -5 }, "received -5."],
    [{ killGrace: NaN }, "received NaN."],
  ];
  for (const [options, message] of cases) {
    await t.step(
      JSON.stringify(Object.keys(options)) + " " + message,
      async () => {
        await assertRejects(() => run(["true"], options), RangeError, message);
      },
    );
  }
});
