import { assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("thread_local.ts: each thread sees its own student", async () => {
  const { code, lines, stderr } = await runExample("thread_local");
  assertEquals(code, 0, stderr);
  // The two threads run at once, so their lines may come in either order.
  assertEquals(lines.toSorted(), [
    "Hello, Alice (in Thread-A)",
    "Hello, Bob (in Thread-B)",
  ]);
});
