import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("barrier.ts starts no runner before all three are ready, and a lone waiter breaks the barrier", async () => {
  const { code, lines, stderr } = await runExample("barrier");
  assert.equal(code, 0, stderr);
  const ready = lines.flatMap((line, i) =>
    line.endsWith(" is ready") ? [i] : []
  );
  const starts = lines.flatMap((line, i) => {
    const m = /^Thread-\d+ starts \(arrived #(\d)\)$/.exec(line);
    return m ? [{ i, arrival: Number(m[1]) }] : [];
  });
  assert.equal(ready.length, 3, lines.join("\n"));
  assert.equal(starts.length, 3, lines.join("\n"));
  assert.ok(
    Math.min(...starts.map((s) => s.i)) > Math.max(...ready),
    "all ready before any start",
  );
  assert.deepEqual(starts.map((s) => s.arrival).toSorted(), [0, 1, 2]);
  assert.deepEqual(lines.slice(-2), [
    "lonely runner: BrokenBarrierError, broken = true",
    "main: done",
  ]);
});
