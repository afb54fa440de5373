import { assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("subprocess_communicate.ts feeds the Python tutorial's input to sort and prints its answer and exit code", async () => {
  const { code, stdout, stderr } = await runExample("subprocess_communicate");
  assertEquals(code, 0, stderr);
  // As in the Python tutorial, print(output) adds a blank line before the exit code.
  assertEquals(stdout, "$ sort\nexit\npython.org\nset q=mx\n\nExit code: 0\n");
});
