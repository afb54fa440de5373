import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("condition.ts hands 1..10 from producer to consumer in order through a 3-slot buffer", async () => {
  const { code, lines, stderr } = await runExample("condition");
  assertEquals(code, 0, stderr);
  assertEquals(lines.at(-1), "all items consumed");
  const events = lines.slice(0, -1).map((line) => {
    const m = /^(produced|consumed) (\d+) \(buffer holds (\d)\)$/.exec(line);
    assert(m, line);
    return { kind: m[1], item: Number(m[2]), holds: Number(m[3]) };
  });
  const consumed = events.filter((e) => e.kind === "consumed").map((e) =>
    e.item
  );
  const produced = events.filter((e) => e.kind === "produced").map((e) =>
    e.item
  );
  const oneToTen = Array.from({ length: 10 }, (_, i) => i + 1);
  assertEquals(produced, oneToTen);
  assertEquals(consumed, oneToTen);
  // Lines are printed under the lock, so they replay the buffer exactly.
  let holds = 0;
  for (const e of events) {
    holds += e.kind === "produced" ? 1 : -1;
    assertEquals(e.holds, holds, JSON.stringify(e));
    assert(holds >= 0 && holds <= 3);
  }
});
