import assert from "node:assert/strict";
import { decodeValue, encodeValue } from "../_crossing/codec.ts";
import { Barrier } from "./barrier.ts";
import { Lock } from "./lock.ts";
import { SharedArray, Value } from "./value.ts";
import {
  addFloats,
  addToArray,
  compoundUnderValueLock,
  runAll,
} from "./testdata/targets.ts";

Deno.test("Value.add() is atomic across threads, for floats too", async () => {
  const value = new Value("f64", 0);
  const start = new Barrier(3);
  await runAll(addFloats, [[value, start, 4000], [value, start, 4000], [
    value,
    start,
    4000,
  ]]);
  assert.equal(value.value, 6000);
});

Deno.test("Value.lock guards compound updates across threads", async () => {
  const value = new Value("i32", 0);
  const start = new Barrier(3);
  await runAll(compoundUnderValueLock, [[value, start, 3000], [
    value,
    start,
    3000,
  ], [value, start, 3000]]);
  assert.equal(value.value, 9000);
  assert.ok(value.lock instanceof Lock);
});

Deno.test("SharedArray.add() is atomic per element across threads", async () => {
  const array = new SharedArray("u16", 3);
  const start = new Barrier(2);
  await runAll(addToArray, [[array, start, 3000], [array, start, 3000]]);
  assert.deepEqual(array.toArray(), [6000, 6000, 6000]);
});

Deno.test("Value reads, writes and adds every element type, returning the previous value", async (t) => {
  const cases: [string, number | bigint, number | bigint, number | bigint][] = [
    ["i8", -5, 3, -2],
    ["u8", 250, 10, 4], // wraps like Uint8Array
    ["i16", 1000, -1, 999],
    ["u16", 65535, 1, 0],
    ["i32", 7, 35, 42],
    ["u32", 1, -2, 4294967295],
    ["i64", 1n << 40n, 1n, (1n << 40n) + 1n],
    ["u64", 0n, -1n, (1n << 64n) - 1n],
    ["f32", 0.5, 0.25, 0.75],
    ["f64", 0.1, 0.2, 0.1 + 0.2],
    ["i", 1, 1, 2],
    ["d", 1.5, 1, 2.5],
    ["q", 2n, 2n, 4n],
  ];
  for (const [type, initial, delta, after] of cases) {
    await t.step(`${type}: ${initial} + ${delta}`, () => {
      const value = new Value(type as never, initial as never);
      assert.equal(value.value, initial);
      assert.equal(value.add(delta as never), initial);
      assert.equal(value.value, after);
      assert.equal(value.get(), after);
    });
  }
});

Deno.test("Value and SharedArray arrive in another thread over the same memory", () => {
  const value = new Value("i32", 1);
  const array = new SharedArray("f64", [1.5, 2.5]);
  const [v, a] = decodeValue(
    structuredClone(encodeValue([value, array], "thread")),
  ) as [
    Value<"i32">,
    SharedArray<"f64">,
  ];
  v.value = 10;
  a.set(1, 9.5);
  assert.equal(value.value, 10);
  assert.deepEqual([...array], [1.5, 9.5]);
  assert.equal(v.type, "i32");
  v.lock.tryAcquire();
  assert.equal(value.lock.locked(), true, "the lock travels with the value");
});

Deno.test("SharedArray copies initial values and exposes the raw typed view", () => {
  const array = new SharedArray("i", [3, 1, 2]);
  assert.equal(array.type, "i32");
  assert.equal(array.length, 3);
  assert.ok(array.array instanceof Int32Array);
  assert.ok(array.array.buffer instanceof SharedArrayBuffer);
  (array.array as Int32Array).sort();
  assert.deepEqual(array.toArray(), [1, 2, 3]);
  assert.equal(new SharedArray("d", 0).length, 0);
});

Deno.test("Value and SharedArray reject bad types, values and indexes", async (t) => {
  await t.step("unknown type", () => {
    assert.throws(
      () => new Value("float" as "i32", 0),
      /Cannot create Value as 'type' must be one of i8, u8/,
    );
    assert.throws(
      () => new SharedArray("x" as never, 1),
      /Cannot create SharedArray as 'type'/,
    );
  });
  await t.step("number for a 64-bit type, bigint for a 32-bit one", () => {
    assert.throws(
      () => new Value("i64", 1 as never),
      /holds a bigint: received number/,
    );
    assert.throws(
      () => new Value("i32").add(1n as never),
      /holds a number: received bigint/,
    );
  });
  await t.step("index out of range", () => {
    const array = new SharedArray("i32", 2);
    assert.throws(
      () => array.get(2),
      /SharedArray index out of range: 2 is not an integer from 0 to 1/,
    );
    assert.throws(() => array.set(-1, 0), RangeError);
    assert.throws(() => array.add(0.5, 1), RangeError);
  });
  await t.step("bad length", () => {
    assert.throws(
      () => new SharedArray("i32", -1),
      /'length' must be an integer >= 0/,
    );
  });
});
