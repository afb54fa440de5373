import { assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("pipe.ts: a child's message crosses the pipe, and an echo child stops at EOF", async () => {
  const { code, lines, stderr } = await runExample("pipe");
  assertEquals(code, 0, stderr);
  assertEquals(lines, [
    '[ 42, null, "hello" ]',
    "hello -> HELLO",
    "pipe -> PIPE",
    "child: the other end is closed, bye",
    "echo child exited with code 0",
  ]);
});
