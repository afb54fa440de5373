import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("pipe.ts: a child's message crosses the pipe, and an echo child stops at EOF", async () => {
  const { code, lines, stderr } = await runExample("pipe");
  assert.equal(code, 0, stderr);
  assert.deepEqual(lines, [
    '[ 42, null, "hello" ]',
    "hello -> HELLO",
    "pipe -> PIPE",
    "child: the other end is closed, bye",
    "echo child exited with code 0",
  ]);
});
