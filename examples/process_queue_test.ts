import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("process_queue.ts: the writer's A, B, C reach the reader in order, and the endless reader is terminated", async () => {
  const { code, lines, stderr } = await runExample("process_queue");
  assertEquals(code, 0, stderr);
  const writer = Number(
    /^Process to write: (\d+)$/.exec(
      lines.find((l) => l.startsWith("Process to write")) ?? "",
    )?.[1],
  );
  const reader = Number(
    /^Process to read: (\d+)$/.exec(
      lines.find((l) => l.startsWith("Process to read")) ?? "",
    )?.[1],
  );
  assert(writer > 0 && reader > 0 && writer !== reader, lines.join("\n"));
  const puts = lines.filter((l) => l.startsWith("Put "));
  assertEquals(puts, [
    "Put A to queue...",
    "Put B to queue...",
    "Put C to queue...",
  ]);
  const gets = lines.filter((l) => l.startsWith("Get "));
  // Every item is printed once, in queue order (the parent lets the reader
  // drain the queue before terminating it).
  assertEquals(gets, [
    "Get A from queue.",
    "Get B from queue.",
    "Get C from queue.",
  ]);
  for (const value of ["A", "B", "C"]) {
    assert(
      lines.indexOf(`Put ${value} to queue...`) <
        lines.indexOf(`Get ${value} from queue.`),
      lines.join("\n"),
    );
  }
  assertEquals(lines.length, 8, lines.join("\n"));
});
