import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("daemon_thread.ts exits when the main module ends, stopping the daemon mid-song", async () => {
  const { code, lines, stderr } = await runExample("daemon_thread");
  assertEquals(code, 0, stderr);
  // Nothing is printed after the main module's last line, and the daemon
  // never got to sing all 5 times.
  assertEquals(lines.at(-1), "main thread ended");
  const sings = lines.slice(0, -1);
  assert(sings.every((line) => line === "sing"), lines.join("\n"));
  assert(sings.length < 5, lines.join("\n"));
});
