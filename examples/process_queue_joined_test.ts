import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("process_queue_joined.ts: both tasks pass 1..4 through the queue, end, and the parent prints DONE", async () => {
  const { code, lines, stderr } = await runExample(
    "process_queue_joined",
  );
  assertEquals(code, 0, stderr);
  assertEquals(lines.filter((l) => l.startsWith("write, ")), [
    "write, 1",
    "write, 2",
    "write, 3",
    "write, 4",
  ]);
  assertEquals(lines.filter((l) => l.startsWith("read, ")), [
    "read, 1",
    "read, 2",
    "read, 3",
    "read, 4",
  ]);
  for (const n of [1, 2, 3, 4]) {
    assert(
      lines.indexOf(`write, ${n}`) < lines.indexOf(`read, ${n}`),
      lines.join("\n"),
    );
  }
  assert(
    lines.includes("write_task end") && lines.includes("read_task end"),
    lines.join("\n"),
  );
  assert(!lines.some((l) => l.endsWith("error")), lines.join("\n"));
  assertEquals(lines.at(-1), "DONE");
  assertEquals(lines.length, 11, lines.join("\n"));
});
