import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("bank_account.ts loses deposits without a lock and counts every one with it", async () => {
  // 20 threads instead of the Python tutorial's 100 keep the test light; the example
  // defaults to 100.
  const { code, lines, stderr } = await runExample(
    "bank_account",
    "--threads",
    "20",
  );
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 2, lines.join("\n"));
  const unlocked = Number(
    /^without a lock: balance is ¥(\d+)$/.exec(lines[0])?.[1],
  );
  // All 20 read the balance within the same 10 ms window (a Barrier releases
  // them together), so nearly all deposits are lost.
  assert(unlocked >= 1 && unlocked < 20, lines[0]);
  assertEquals(lines[1], "with a lock: balance is ¥20");
});
