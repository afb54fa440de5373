import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("event.ts releases every waiting thread only after the event is set, and a cleared event times out", async () => {
  const { code, lines, stderr } = await runExample("event");
  assertEquals(code, 0, stderr);
  const bang = lines.indexOf("main: bang!");
  assert(bang > 0, lines.join("\n"));
  assertEquals(lines[bang - 1], "main: is the pistol fired? false");
  const runs = lines.flatMap((line, i) =>
    /^Thread-\d+ runs$/.test(line) ? [i] : []
  );
  assertEquals(runs.length, 3, lines.join("\n"));
  assert(runs.every((i) => i > bang), "nobody ran before the pistol");
  assertEquals(
    lines.filter((line) => line.endsWith("is waiting at the start line"))
      .length,
    3,
  );
  assertEquals(lines.slice(-2), [
    "late runner: pistol fired? false",
    "main: race over",
  ]);
});
