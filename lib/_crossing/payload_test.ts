import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertIsError,
  assertMatch,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  checkSendable,
  classify,
  decodePayload,
  encodeEnvelope,
  encodePayload,
  isSendable,
  Payload,
  trailingPayload,
} from "./payload.ts";
import { FrameError } from "../errors/connection.ts";

class Point {
  constructor(public x: number, public y: number) {}
}

const refusal = (reason: string) => `Cannot send it: ${reason}`;

Deno.test("the payload rule: one walk sorts values into JSON, v8, encode-to-tell, or refused", async (t) => {
  const cases: [string, unknown, string][] = [
    ["plain data", { a: [1, "two", true, null, { b: 2.5 }] }, "json"],
    ["undefined inside", { a: undefined }, "clone"],
    ["NaN and -0", [NaN, -0], "clone"],
    ["Map, Set, Date, BigInt, RegExp", [
      new Map([[1, { a: 2 }]]),
      new Set([1]),
      new Date(0),
      10n,
      /x/g,
    ], "clone"],
    ["typed arrays, also over shared memory", [
      new Uint8Array(2),
      new Int32Array(new SharedArrayBuffer(8)),
    ], "clone"],
    [
      "shared references",
      (() => {
        const shared = { x: 1 };
        return [shared, shared];
      })(),
      "clone",
    ],
    ["an error with a cause", new TypeError("x", { cause: 1 }), "clone"],
    ["an instance of a class", new Point(1, 2), "unknown"],
    ["a host object", new URL("http://example.com"), "unknown"],
  ];
  for (const [name, value, expected] of cases) {
    await t.step(name, () => assertEquals<unknown>(classify(value), expected));
  }
  const refused: [string, unknown, RegExp][] = [
    ["a function, named", { f: function callback() {} }, /function callback/],
    ["a symbol", [Symbol("s")], /Symbol\(s\)/],
    ["a promise", Promise.resolve(1), /Promise.*await it/],
    ["a WeakMap", new WeakMap(), /WeakMap/],
    ["a SharedArrayBuffer", new SharedArrayBuffer(8), /another process/],
    ["a function inside a Map", new Map([[1, () => 1]]), /function/],
  ];
  for (const [name, value, reason] of refused) {
    await t.step(`refused: ${name}`, () => {
      const verdict = classify(value);
      assert(typeof verdict === "object");
      assertMatch(verdict.refused, reason);
    });
  }
});

Deno.test("checkSendable serializes nothing for what the walk vouches for, and keeps the bytes of what only encoding can tell", async (t) => {
  await t.step("vouched: nothing to reuse", () => {
    assertStrictEquals(checkSendable({ a: 1 }, refusal), undefined);
    assertStrictEquals(checkSendable(new Map([[1, 2]]), refusal), undefined);
  });
  await t.step(
    "an instance: its encoding, decoded as structured clone would",
    () => {
      const payload = checkSendable([new Point(1, 2)], refusal);
      assertInstanceOf(payload, Payload);
      assertEquals(decodePayload(payload.bytes), [{ x: 1, y: 2 }]);
      assertStrictEquals(encodePayload(payload), payload.bytes);
    },
  );
  await t.step(
    "refused by the walk: the caller's wording plus the reason",
    () => {
      const error = assertThrows(
        () => checkSendable({ f: () => 1 }, refusal),
        TypeError,
      );
      assertMatch(
        error.message,
        /^Cannot send it: the function f cannot be copied/,
      );
    },
  );
  await t.step(
    "refused by the encoder: the same wording, the encoder's error as cause",
    () => {
      const generator = (function* () {})();
      const error = assertThrows(
        () => checkSendable({ generator }, refusal),
        TypeError,
      );
      assertMatch(error.message, /^Cannot send it: .*could not be cloned/);
      assert(error.cause instanceof Error);
    },
  );
  await t.step("isSendable says the same without encoding", () => {
    assertEquals(isSendable({ a: [1, new Date(0)] }), true);
    assertEquals(isSendable({ f: () => 1 }), false);
    assertEquals(isSendable(new Point(1, 2)), false); // only encoding could tell
  });
});

Deno.test("payloads keep structured-clone semantics on both the JSON and the v8 path", async (t) => {
  const shared = { x: 1 };
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const cases: [string, unknown][] = [
    ["plain data", { a: [1, "two", true, null, { b: 2.5 }], "é": "ü\ud800" }],
    ["undefined inside", { a: undefined, b: [undefined, 1] }],
    ["NaN, Infinity, -0", [NaN, Infinity, -Infinity, -0]],
    ["Map, Set, Date, BigInt", [
      new Map([[1, "a"]]),
      new Set(["s"]),
      new Date(0),
      10n ** 30n,
    ]],
    ["typed arrays", [new Uint8Array([1, 2, 3]), new Float64Array([0.5])]],
    ["sparse array", [1, , 3]],
    ["object with toJSON", { toJSON: "not a method" }],
    ["__proto__ key", JSON.parse('{"__proto__": 1}')],
  ];
  for (const [name, value] of cases) {
    await t.step(name, () => {
      assertEquals(decodePayload(encodePayload(value)), value);
    });
  }
  await t.step("shared references stay shared", () => {
    const back = decodePayload(encodePayload([shared, shared])) as object[];
    assertStrictEquals(back[0], back[1]);
  });
  await t.step("cycles survive", () => {
    const back = decodePayload(encodePayload(cyclic)) as typeof cyclic;
    assertStrictEquals(back.self, back);
  });
  await t.step("functions are refused with a DataCloneError", () => {
    const error = assertThrows(() => encodePayload({ f() {} }));
    assertIsError(error, DOMException);
    assertEquals(error.name, "DataCloneError");
  });
  await t.step("an unknown type byte is a FrameError", () => {
    assertThrows(() => decodePayload(new Uint8Array([1, 2, 3])), FrameError);
  });
});

Deno.test("an envelope carries a value encoded beforehand and puts it back at the end of the message's spine", () => {
  const args = checkSendable([new Point(3, 4), new Map([[1, 2]])], refusal)!;
  const message = [0, 7, "$obj", ["o1", "put", args]];
  assertStrictEquals(trailingPayload(message), args);
  assertEquals(decodePayload(encodeEnvelope(message)), [
    0,
    7,
    "$obj",
    ["o1", "put", [{ x: 3, y: 4 }, new Map([[1, 2]])]],
  ]);
  assertStrictEquals(trailingPayload([0, 1, "m", [1, [2]]]), undefined);
});

Deno.test("a decoded typed array owns its bytes: the buffer it was read from can be reused", async (t) => {
  for (
    const value of [
      new Float64Array([1.5, -0, 2 ** 53]),
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      [new Int32Array([7, 8]), "and text"],
    ]
  ) {
    await t.step(Object.prototype.toString.call(value), () => {
      const bytes = encodePayload(value);
      // As a connection's read buffer holds a frame: a view into a larger
      // buffer, overwritten by the next frame once this one is decoded.
      const buffer = new Uint8Array(bytes.length + 64);
      buffer.set(bytes, 8);
      const decoded = decodePayload(buffer.subarray(8, 8 + bytes.length));
      buffer.fill(0xff);
      assertEquals(decoded, value);
    });
  }
});

Deno.test("short JSON payloads decode as long ones do: ASCII, other text, and bad UTF-8 refused", async (t) => {
  const cases: [string, unknown][] = [
    ["a receipt", [6, 12345]],
    ["ASCII text", { a: "x", b: [1, 2.5, true, null] }],
    ["non-ASCII text", ["é", "日本", "😀"]],
    ["a long one", "x".repeat(200)],
  ];
  for (const [name, value] of cases) {
    await t.step(name, () => {
      assertEquals(decodePayload(encodePayload(value)), value);
    });
  }
  await t.step("bad UTF-8 in a short payload is a FrameError", () => {
    const bad = new Uint8Array([0x4a, 0x22, 0xff, 0x22]); // "J" + '"\xff"'
    assertThrows(() => decodePayload(bad), FrameError, "malformed");
  });
});
