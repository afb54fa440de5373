import assert from "node:assert/strict";
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
    assert.deepEqual(all.map((indexes) => indexes[round]).toSorted(), [
      0,
      1,
      2,
      3,
    ]);
  }
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

async function untilWaiting(barrier: Barrier, n: number): Promise<void> {
  while (barrier.nWaiting < n) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

Deno.test("Barrier.abort() breaks it for the waiting threads and later callers", async () => {
  const barrier = new Barrier(3);
  const waiter = errorOf(barrierWait, [barrier]);
  await untilWaiting(barrier, 1);
  barrier.abort();
  assert.ok((await waiter) instanceof Error);
  assert.equal((await waiter)?.name, "BrokenBarrierError");
  assert.equal(barrier.broken, true);
  await assert.rejects(barrier.wait(), BrokenBarrierError);
});

Deno.test("Barrier.wait() timing out breaks the barrier for everyone", async () => {
  const barrier = new Barrier(3);
  const other = barrier.wait();
  await assert.rejects(barrier.wait(5), (error: Error) => {
    assert.ok(error instanceof BrokenBarrierError);
    assert.match(error.message, /timed out/);
    return true;
  });
  await assert.rejects(other, BrokenBarrierError);
  assert.equal(barrier.broken, true);
});

Deno.test("Barrier.reset() breaks the current round and leaves the barrier usable", async () => {
  const barrier = new Barrier(2);
  const waiting = barrier.wait();
  barrier.reset();
  await assert.rejects(waiting, BrokenBarrierError);
  assert.equal(barrier.broken, false);
  assert.deepEqual(
    (await Promise.all([barrier.wait(), barrier.wait()])).toSorted(),
    [0, 1],
  );
  barrier.abort();
  barrier.reset();
  assert.deepEqual(await runAll(barrierWait, [[new Barrier(1)]]), [0]);
  assert.deepEqual(
    (await Promise.all([barrier.wait(), barrier.wait()])).toSorted(),
    [0, 1],
  );
});

Deno.test("Barrier rejects a party count that is not a positive integer", async (t) => {
  for (const parties of [0, -1, 1.5, NaN]) {
    await t.step(`new Barrier(${parties})`, () => {
      assert.throws(
        () => new Barrier(parties),
        /Cannot create Barrier as 'parties' must be a positive integer/,
      );
    });
  }
  await t.step("a bad timeout rejects without breaking it", async () => {
    const barrier = new Barrier(2);
    await assert.rejects(barrier.wait(-1), RangeError);
    assert.equal(barrier.broken, false);
    assert.equal(barrier.parties, 2);
  });
});
