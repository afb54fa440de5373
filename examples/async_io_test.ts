import { assert, assertEquals, assertMatch } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("async_io.ts: tasks overlap their waits on the main thread", async () => {
  const { code, lines, stderr } = await runExample(
    "async_io",
    "--seconds",
    "0.05",
  );
  assertEquals(code, 0, stderr);
  // Both hellos start before either wakes up: the waits overlap.
  assertEquals(lines.slice(0, 4), [
    "Hello world! (MainThread)",
    "Hello world! (MainThread)",
    "Hello again! (MainThread)",
    "Hello again! (MainThread)",
  ]);
  assertMatch(
    lines[4],
    /^2 tasks waiting 0\.05 s each took [\d.]+ s in one thread$/,
  );
  // All three requests go out before any answer is read.
  const hosts = ["www.sina.com.cn", "www.sohu.com", "www.163.com"];
  assertEquals(lines.slice(5, 8), hosts.map((h) => `wget ${h}...`));
  const headers = lines.slice(8);
  for (const host of hosts) {
    const mine = headers.filter((l) => l.startsWith(`${host} header > `));
    assertEquals(
      mine[0],
      `${host} header > HTTP/1.0 200 OK`,
      headers.join("\n"),
    );
    assert(
      mine.includes(`${host} header > server: loopback ${host}`),
      mine.join("\n"),
    );
  }
  assert(
    headers.every((l) => hosts.some((h) => l.startsWith(`${h} header > `))),
    headers.join("\n"),
  );
});
