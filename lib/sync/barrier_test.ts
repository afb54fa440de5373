import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { Barrier, BrokenBarrierError } from "./barrier.ts";
import {
  barrierRounds,
  barrierWait,
  errorOf,
  runAll,
} from "./testdata/targets.ts";

Deno.test("Barrier releases threads and the main thread together, round after round, with distinct indexes", async () => {
  const barrier = new Barrier(4);
  const rounds = 5;
  const threads = runAll(barrierRounds, [[barrier, rounds], [barrier, rounds], [
    barrier,
    rounds,
  ]]);
  const mine: number[] = [];
  for (let i = 0; i < rounds; i++) mine.push(await barrier.wait());
  const all = [...(await threads) as number[][], mine];
  for (let round = 0; round < rounds; round++) {
    assertEquals(all.map((indexes) => indexes[round]).toSorted(), [
      0,
      1,
      2,
      3,
    ]);
  }
  assertEquals(barrier.nWaiting, 0);
  assertEquals(barrier.broken, false);
});

// The barrier's shared count is the only sign that another thread is
// waiting in it; polled under a deadline so a thread that never arrives
// fails the test instead of hanging it.
async function untilWaiting(barrier: Barrier, n: number): Promise<void> {
  const end = Date.now() + 10_000;
  while (barrier.nWaiting < n) {
    if (Date.now() > end) {
      throw new Error(`${barrier.nWaiting} of ${n} threads waiting after 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

Deno.test("Barrier.abort() breaks it for the waiting threads and later callers", async () => {
  const barrier = new Barrier(3);
  const waiter = errorOf(barrierWait, [barrier]);
  await untilWaiting(barrier, 1);
  barrier.abort();
  assert((await waiter) instanceof Error);
  assertEquals((await waiter)?.name, "BrokenBarrierError");
  assertEquals(barrier.broken, true);
  await assertRejects(() => barrier.wait(), BrokenBarrierError);
});

Deno.test("Barrier.wait() timing out breaks the barrier for everyone", async () => {
  const barrier = new Barrier(3);
  const other = barrier.wait();
  const error = await assertRejects(() => barrier.wait(5), BrokenBarrierError);
  assertMatch(error.message, /timed out/);
  await assertRejects(() => other, BrokenBarrierError);
  assertEquals(barrier.broken, true);
});

Deno.test("Barrier.reset() breaks the current round and leaves the barrier usable", async () => {
  const barrier = new Barrier(2);
  const waiting = barrier.wait();
  barrier.reset();
  await assertRejects(() => waiting, BrokenBarrierError);
  assertEquals(barrier.broken, false);
  assertEquals(
    (await Promise.all([barrier.wait(), barrier.wait()])).toSorted(),
    [0, 1],
  );
  barrier.abort();
  barrier.reset();
  assertEquals(await runAll(barrierWait, [[new Barrier(1)]]), [0]);
  assertEquals(
    (await Promise.all([barrier.wait(), barrier.wait()])).toSorted(),
    [0, 1],
  );
});

Deno.test("Barrier rejects a party count that is not a positive integer", async (t) => {
  for (const parties of [0, -1, 1.5, NaN]) {
    await t.step(`new Barrier(${parties})`, () => {
      assertIsError(
        assertThrows(() => new Barrier(parties)),
        Error,
        /Cannot create Barrier as 'parties' must be a positive integer/,
      );
    });
  }
  await t.step("a bad timeout rejects without breaking it", async () => {
    const barrier = new Barrier(2);
    await assertRejects(() => barrier.wait(-2), RangeError);
    assertEquals(barrier.broken, false);
    assertEquals(barrier.parties, 2);
  });
});
