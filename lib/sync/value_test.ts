import { assert, assertEquals, assertIsError, assertThrows } from "@std/assert";
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
  assertEquals(value.value, 6000);
});

Deno.test("Value.lock guards compound updates across threads", async () => {
  const value = new Value("i32", 0);
  const start = new Barrier(3);
  await runAll(compoundUnderValueLock, [[value, start, 3000], [
    value,
    start,
    3000,
  ], [value, start, 3000]]);
  assertEquals(value.value, 9000);
  assert(value.lock instanceof Lock);
});

Deno.test("SharedArray.add() is atomic per element across threads", async () => {
  const array = new SharedArray("u16", 3);
  const start = new Barrier(2);
  await runAll(addToArray, [[array, start, 3000], [array, start, 3000]]);
  assertEquals(array.toArray(), [6000, 6000, 6000]);
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
      assertEquals(value.value, initial);
      assertEquals(value.add(delta as never), initial);
      assertEquals(value.value, after);
      assertEquals(value.get(), after);
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
  assertEquals(value.value, 10);
  assertEquals([...array], [1.5, 9.5]);
  assertEquals(v.type, "i32");
  v.lock.tryAcquire();
  assertEquals(value.lock.locked(), true, "the lock travels with the value");
});

Deno.test("SharedArray copies initial values and exposes the raw typed view", () => {
  const array = new SharedArray("i", [3, 1, 2]);
  assertEquals(array.type, "i32");
  assertEquals(array.length, 3);
  assert(array.array instanceof Int32Array);
  assert(array.array.buffer instanceof SharedArrayBuffer);
  (array.array as Int32Array).sort();
  assertEquals(array.toArray(), [1, 2, 3]);
  assertEquals(new SharedArray("d", 0).length, 0);
});

Deno.test("Value and SharedArray reject bad types, values and indexes", async (t) => {
  await t.step("unknown type", () => {
    assertIsError(
      assertThrows(() => new Value("float" as "i32", 0)),
      Error,
      /Cannot create Value as 'type' must be one of i8, u8/,
    );
    assertIsError(
      assertThrows(() => new SharedArray("x" as never, 1)),
      Error,
      /Cannot create SharedArray as 'type'/,
    );
  });
  await t.step("number for a 64-bit type, bigint for a 32-bit one", () => {
    assertIsError(
      assertThrows(() => new Value("i64", 1 as never)),
      Error,
      /holds a bigint: received number/,
    );
    assertIsError(
      assertThrows(() => new Value("i32").add(1n as never)),
      Error,
      /holds a number: received bigint/,
    );
  });
  await t.step("index out of range", () => {
    const array = new SharedArray("i32", 2);
    assertIsError(
      assertThrows(() => array.get(2)),
      Error,
      /SharedArray index out of range: 2 is not an integer from 0 to 1/,
    );
    assertThrows(() => array.set(-1, 0), RangeError);
    assertThrows(() => array.add(0.5, 1), RangeError);
  });
  await t.step("bad length", () => {
    assertIsError(
      assertThrows(() => new SharedArray("i32", -1)),
      Error,
      /'length' must be an integer >= 0/,
    );
  });
});
