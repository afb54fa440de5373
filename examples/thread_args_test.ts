import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("thread_args.ts passes args and an options object, and its non-daemon threads finish after the main module", async () => {
  const { code, lines, stderr } = await runExample("thread_args");
  assert.equal(code, 0, stderr);
  assert.ok(
    lines.includes("main module done; the threads keep the program alive"),
  );
  assert.equal(
    lines.filter((line) => line === "sing Jasmine").length,
    5,
    lines.join("\n"),
  );
  assert.equal(
    lines.filter((line) => line === "dance waltz").length,
    5,
    lines.join("\n"),
  );
  assert.equal(lines.length, 11);
});
