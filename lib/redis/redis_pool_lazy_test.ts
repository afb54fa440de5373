// Only a Pool of kind "redis" loads npm:redis: the other kinds run without
// it (here: with npm disabled altogether).
import { assertEquals, assertMatch } from "@std/assert";
import { runDeno } from "./_test_server.ts";

Deno.test("A thread pool never loads npm:redis; a redis pool loads it when created", async () => {
  const script = (kind: string) => `
    import { Pool } from ${
    JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
  };
    const pool = new Pool(${kind});
    console.log(await pool.apply((a) => a + 1, [1]).catch((e) => e.message));
    await pool.terminate();
  `;
  const run = async (kind: string) =>
    (await runDeno(["eval", "--no-npm", script(kind)])).stdout;
  assertEquals(await run(`{ size: 1 }`), "2");
  assertMatch(
    await run(`{ kind: "redis", redis: "redis://127.0.0.1:1", authkey: "k" }`),
    /npm/,
  );
});
