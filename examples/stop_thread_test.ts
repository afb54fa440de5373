import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("stop_thread.ts stops one thread with an Event flag and another with terminate()", async () => {
  const { code, lines, stderr } = await runExample("stop_thread");
  assertEquals(code, 0, stderr);
  const flagEnd = lines.indexOf("main thread: the child stopped by itself");
  assert(flagEnd > 0, lines.join("\n"));
  const flagPart = lines.slice(0, flagEnd);
  assertEquals(flagPart[0], "child thread started");
  assertEquals(flagPart.at(-1), "child thread exiting");
  // Usually five "running" lines; fewer if the machine is so busy that the
  // thread started late.
  const running = flagPart.slice(1, -1);
  assert(
    running.every((line) => line === "child thread running"),
    flagPart.join("\n"),
  );
  // The forced part: the thread counted 1, 2, 3... until it was terminated,
  // and printed nothing afterwards.
  assertEquals(lines.slice(-2), [
    "main thread: terminated the thread, isAlive() = false",
    "main thread ended",
  ]);
  const counted = lines.slice(flagEnd + 1, -2).map(Number);
  assert(counted.length >= 1, lines.join("\n"));
  assertEquals(counted, counted.map((_, i) => i + 1));
});
