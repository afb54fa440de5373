import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("process_args.ts: args and an options object both reach their child, and the parent waits for both", async () => {
  const { code, lines, stderr } = await runExample("process_args");
  assert.equal(code, 0, stderr);
  assert.equal(
    lines.filter((line) => line === "singing").length,
    3,
    lines.join("\n"),
  );
  assert.equal(
    lines.filter((line) => line === "drawing").length,
    3,
    lines.join("\n"),
  );
  assert.equal(lines.length, 6, lines.join("\n"));
});
