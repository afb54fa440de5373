import { assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("process_args.ts: args and an options object both reach their child, and the parent waits for both", async () => {
  const { code, lines, stderr } = await runExample("process_args");
  assertEquals(code, 0, stderr);
  assertEquals(
    lines.filter((line) => line === "singing").length,
    3,
    lines.join("\n"),
  );
  assertEquals(
    lines.filter((line) => line === "drawing").length,
    3,
    lines.join("\n"),
  );
  assertEquals(lines.length, 6, lines.join("\n"));
});
