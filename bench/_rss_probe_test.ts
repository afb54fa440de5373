import { assert, assertEquals } from "@std/assert";

const PROBE = new URL("./_rss_probe.ts", import.meta.url).pathname;

async function probe(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", PROBE, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("the RSS probe reports the memory each idle worker or child holds", async (t) => {
  for (const kind of ["bare", "thread", "process"]) {
    await t.step(kind, async () => {
      const run = await probe(kind, "1");
      assertEquals(run.code, 0, run.stderr);
      const { bytesPerWorker } = JSON.parse(run.stdout);
      // A V8 isolate, let alone a Deno process, takes more than a MiB.
      assert(bytesPerWorker > 2 ** 20, `${kind}: ${bytesPerWorker} bytes`);
      assert(bytesPerWorker < 2 ** 30, `${kind}: ${bytesPerWorker} bytes`);
    });
  }
});

Deno.test("the RSS probe refuses an unknown kind with its usage", async () => {
  const run = await probe("fiber", "2");
  assertEquals(run.code, 2);
  assert(run.stderr.includes("Usage:"), run.stderr);
});
