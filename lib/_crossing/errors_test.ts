import { assert, assertEquals, assertMatch } from "@std/assert";
import { deserializeError, serializeError } from "./errors.ts";
import { RuntimeError } from "../errors/base.ts";

class NotFound extends Error {
  override name = "NotFound";
  code = 404;
}

/** What another isolate receives: the serialized form, structured-cloned. */
function roundTrip(error: unknown): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

Deno.test("a built-in error comes back with its class, message and stack", () => {
  const original = new RangeError("out of range");
  const back = roundTrip(original);
  assert(back instanceof RangeError);
  assertEquals(back.message, "out of range");
  assertEquals(back.stack, original.stack);
});

Deno.test("a user error class keeps its name and cloneable own properties", () => {
  const back = roundTrip(new NotFound("no page")) as Error & { code?: number };
  assert(back instanceof Error);
  assertEquals(back.name, "NotFound");
  assertEquals(back.message, "no page");
  assertEquals(back.code, 404);
  assertMatch(back.stack ?? "", /NotFound: no page/);
});

Deno.test("causes survive, whether errors or plain values", () => {
  const back = roundTrip(
    new Error("outer", { cause: new TypeError("inner", { cause: { id: 7 } }) }),
  );
  const inner = back.cause as Error;
  assert(inner instanceof TypeError);
  assertEquals(inner.message, "inner");
  assertEquals(inner.cause, { id: 7 });
});

Deno.test("a thrown non-Error becomes an Error that says what was thrown", async (t) => {
  const fn = () => 1;
  const cases: [string, unknown, RegExp, unknown][] = [
    ["string", "oops", /A non-Error value was thrown: "oops"/, "oops"],
    ["number", 42, /thrown: 42/, 42],
    ["object", { a: 1 }, /thrown: \[object Object\]/, { a: 1 }],
    ["function", fn, /thrown: \(\)\s*=>\s*1/, String(fn)],
  ];
  for (const [label, thrown, message, kept] of cases) {
    await t.step(label, () => {
      const back = roundTrip(thrown) as Error & { thrown?: unknown };
      assertEquals(back.name, "Error");
      assertMatch(back.message, message);
      assertEquals(back.thrown, kept);
    });
  }
});

Deno.test("own properties that cannot be cloned are left out instead of failing", () => {
  const error = Object.assign(new Error("with a callback"), {
    retry: () => {},
    attempts: 3,
  });
  const back = roundTrip(error) as Error & {
    retry?: unknown;
    attempts?: number;
  };
  assertEquals(back.retry, undefined);
  assertEquals(back.attempts, 3);
});

Deno.test("RuntimeError is an Error named RuntimeError", () => {
  const error = new RuntimeError("started twice");
  assert(error instanceof Error);
  assertEquals(error.name, "RuntimeError");
  assertEquals(roundTrip(error).name, "RuntimeError");
});
