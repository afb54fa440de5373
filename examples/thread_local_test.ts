import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("thread_local.ts: each thread sees its own student", async () => {
  const { code, lines, stderr } = await runExample("thread_local");
  assert.equal(code, 0, stderr);
  // The two threads run at once, so their lines may come in either order.
  assert.deepEqual(lines.toSorted(), [
    "Hello, Alice (in Thread-A)",
    "Hello, Bob (in Thread-B)",
  ]);
});
