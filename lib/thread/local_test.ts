import { assertEquals, assertStrictEquals } from "@std/assert";
import { decodeValue, encodeValue } from "../_crossing/codec.ts";
import { Local } from "./local.ts";
import { localInThread, runAll } from "../sync/testdata/targets.ts";

Deno.test("Local gives each run() call chain its own value, across awaits", async () => {
  const student = new Local<string>();
  const gates = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  const seen = Promise.all(
    ["Alice", "Bob"].map((name, i) =>
      student.run(name, async () => {
        await gates[i].promise;
        const first = student.get();
        student.set(`${name}!`);
        await null;
        return [first, student.get()];
      })
    ),
  );
  gates[1].resolve(); // interleave: Bob's chain resumes first
  gates[0].resolve();
  assertEquals(await seen, [["Alice", "Alice!"], ["Bob", "Bob!"]]);
  assertEquals(student.get(), undefined, "outside run() nothing was set");
});

Deno.test("Local.set() outside run() sets this thread's value; nested run() shadows it", async () => {
  const local = new Local<number>(0);
  assertEquals(local.get(), 0);
  local.set(1);
  const inner = await local.run(2, async () => {
    await null;
    return local.run(3, () => local.get());
  });
  assertEquals(inner, 3);
  assertEquals(local.get(), 1);
});

Deno.test("Local passed to a thread starts empty there and the thread's value stays there", async () => {
  const local = new Local<string>();
  local.set("main");
  const results = await runAll(localInThread, [[local, "Alice"], [
    local,
    "Bob",
  ]]);
  assertEquals(results, [[undefined, "Alice"], [undefined, "Bob"]]);
  assertEquals(local.get(), "main");
});

Deno.test("Local comes back from a thread as the same object", () => {
  const local = new Local<number>();
  const [back] = decodeValue(
    structuredClone(encodeValue([local], "thread")),
  ) as Local<number>[];
  assertStrictEquals(back, local);
});
