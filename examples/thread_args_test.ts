import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("thread_args.ts passes args and an options object, and its non-daemon threads finish after the main module", async () => {
  const { code, lines, stderr } = await runExample("thread_args");
  assertEquals(code, 0, stderr);
  assert(
    lines.includes("main module done; the threads keep the program alive"),
  );
  assertEquals(
    lines.filter((line) => line === "sing Jasmine").length,
    5,
    lines.join("\n"),
  );
  assertEquals(
    lines.filter((line) => line === "dance waltz").length,
    5,
    lines.join("\n"),
  );
  assertEquals(lines.length, 11);
});
