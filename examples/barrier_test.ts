import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("barrier.ts starts no runner before all three are ready, and a lone waiter breaks the barrier", async () => {
  const { code, lines, stderr } = await runExample("barrier");
  assertEquals(code, 0, stderr);
  const ready = lines.flatMap((line, i) =>
    line.endsWith(" is ready") ? [i] : []
  );
  const starts = lines.flatMap((line, i) => {
    const m = /^Thread-\d+ starts \(arrived #(\d)\)$/.exec(line);
    return m ? [{ i, arrival: Number(m[1]) }] : [];
  });
  assertEquals(ready.length, 3, lines.join("\n"));
  assertEquals(starts.length, 3, lines.join("\n"));
  assert(
    Math.min(...starts.map((s) => s.i)) > Math.max(...ready),
    "all ready before any start",
  );
  assertEquals(starts.map((s) => s.arrival).toSorted(), [0, 1, 2]);
  assertEquals(lines.slice(-2), [
    "lonely runner: BrokenBarrierError, broken = true",
    "main: done",
  ]);
});
