import { assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { call, CalledProcessError, checkOutput } from "./mod.ts";
import { denoWith } from "./_test_procs.ts";

Deno.test("call() takes run()'s stdio options: stdout: 'null' discards what the command prints", async () => {
  // Python's call(cmd, stdout=DEVNULL). Our own stdout is the test runner's,
  // so look at it from a child Deno.
  const snippet = (options: string) =>
    `Deno.exit(await call(["sh", "-c", "echo seen; echo also >&2; exit 5"]${options}));`;
  const shared = await denoWith(["--allow-run"], snippet(""));
  assertEquals([shared.code, shared.stdout, shared.stderr], [
    5,
    "seen\n",
    "also\n",
  ]);
  const silenced = await denoWith(
    ["--allow-run"],
    snippet(', { stdout: "null", stderr: "null" }'),
  );
  assertEquals([silenced.code, silenced.stdout, silenced.stderr], [5, "", ""]);
  assertEquals(
    await call(["sh", "-c", "echo hidden; exit 5"], { stdout: "null" }),
    5,
  );
});

Deno.test("call() writes input to the command's stdin", async () => {
  const code = await call(["sh", "-c", 'read n; exit "$n"'], { input: "7\n" });
  assertEquals(code, 7);
});

Deno.test("call() with stderr: 'stdout' sends both streams where stdout goes", async () => {
  const merged = await denoWith(
    ["--allow-run"],
    `await call(["sh", "-c", "echo a; echo b >&2"], { stderr: "stdout" });`,
  );
  assertEquals([merged.stdout, merged.stderr], ["a\nb\n", ""]);
});

Deno.test("checkOutput() takes run()'s stdio, input and text options", async (t) => {
  await t.step("stderr: 'stdout' merges errors into the result", async () => {
    const out = await checkOutput(["sh", "-c", "echo out; echo err >&2"], {
      stderr: "stdout",
    });
    assertEquals(out, "out\nerr\n");
  });
  await t.step("text: false gives bytes, unchanged", async () => {
    const out = await checkOutput(["cat"], {
      input: new Uint8Array([0, 255, 10]),
      text: false,
    });
    assertInstanceOf(out, Uint8Array);
    assertEquals(out, new Uint8Array([0, 255, 10]));
  });
  await t.step(
    "stderr: 'null' still fails loudly, with stdout kept",
    async () => {
      const error = await assertRejects(
        () =>
          checkOutput(["sh", "-c", "echo partial; echo why >&2; exit 2"], {
            stderr: "null",
          }),
        CalledProcessError,
      );
      assertEquals([error.code, error.stdout, error.stderr], [
        2,
        "partial\n",
        "",
      ]);
    },
  );
});

Deno.test("call() and checkOutput() refuse the options that make no sense for them", async () => {
  await assertRejects(
    () => call(["true"], { text: false } as never),
    TypeError,
    "'text' is not one of its options",
  );
  await assertRejects(
    () => checkOutput(["true"], { stdout: "null" } as never),
    TypeError,
    "'stdout' is not one of its options",
  );
  await assertRejects(
    () => checkOutput(["cat"], { input: "x", stdin: "null" }),
    TypeError,
    "Cannot check output of command as 'input' and 'stdin' exclude each other",
  );
});
