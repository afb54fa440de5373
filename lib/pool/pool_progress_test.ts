// progress(value) inside a task reaches apply()'s onProgress, in order and
// before the task's promise settles, on both local kinds; every task hears
// only its own; without a listener (or outside a pool) it does nothing.

import { assertEquals, assertRejects } from "@std/assert";
import { Pool } from "./pool.ts";
import { progress } from "./progress.ts";
import { reportUnsendable, steps } from "./testdata/pool_tasks.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

for (const kind of ["thread", "process"] as const) {
  Deno.test(`Pool (${kind}) delivers each progress() value to the task's onProgress, in order, before it settles`, async () => {
    await using pool = new Pool({ size: 2, kind, module: TASKS });
    const heard = new Map<number, number[]>();
    const atSettle = new Map<number, number[]>();
    await Promise.all(
      Array.from({ length: 12 }, (_, id) => {
        heard.set(id, []);
        return pool.apply(steps, [id, 5], {
          onProgress: (value) => {
            const [from, i] = value as [number, number];
            heard.get(from)!.push(i);
            if (from !== id) throw new Error(`task ${id} heard task ${from}`);
          },
        }).then((result) => {
          assertEquals(result, id);
          atSettle.set(id, [...heard.get(id)!]);
        });
      }),
    );
    for (let id = 0; id < 12; id++) {
      assertEquals(atSettle.get(id), [1, 2, 3, 4, 5]);
    }
  });

  Deno.test(`Pool (${kind}) progress() without a listener does nothing, and an unsendable value fails its task`, async () => {
    await using pool = new Pool({ size: 1, kind, module: TASKS });
    assertEquals(await pool.apply(steps, [7, 3]), 7);
    assertEquals(await pool.starmap(steps, [[1, 2], [2, 2]]), [1, 2]);
    await assertRejects(
      () => pool.apply(reportUnsendable, [], { onProgress: () => {} }),
      TypeError,
      "Cannot report progress",
    );
    // The worker goes on.
    const heard: unknown[] = [];
    await pool.apply(steps, [1, 2], { onProgress: (v) => heard.push(v) });
    assertEquals(heard, [[1, 1], [1, 2]]);
  });
}

Deno.test("progress() outside a pool task does nothing", () => {
  assertEquals(progress(1), undefined);
});

Deno.test("Pool.apply() refuses an onProgress that is not a function", async () => {
  await using pool = new Pool({ size: 1 });
  await assertRejects(
    () => pool.apply(() => 1, [], { onProgress: 5 as never }),
    TypeError,
    "'onProgress' must be a function",
  );
});
