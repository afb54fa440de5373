import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("subprocess_call.ts prints the command, lets it write to our stdout, then its exit code", async () => {
  const { code, lines, stderr } = await runExample("subprocess_call");
  assertEquals(code, 0, stderr);
  assertEquals(lines[0], "$ getent hosts localhost");
  // getent's own line went straight to the inherited stdout, between ours.
  assert(
    lines.slice(1, -1).some((l) => /\blocalhost\b/.test(l)),
    lines.join("\n"),
  );
  assertEquals(lines.at(-1), "Exit code: 0");
});

Deno.test("subprocess_call.ts reports a failing command's exit code", async () => {
  const { code, lines, stderr } = await runExample(
    "subprocess_call",
    "sh",
    "-c",
    "echo from-the-child; exit 3",
  );
  assertEquals(code, 0, stderr);
  assertEquals(lines, [
    "$ sh -c echo from-the-child; exit 3",
    "from-the-child",
    "Exit code: 3",
  ]);
});
