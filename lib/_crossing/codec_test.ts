import {
  assert,
  assertEquals,
  assertIsError,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  callExported,
  codecFor,
  codecOf,
  decodeValue,
  encodeValue,
  loadCodecs,
  type ObjectExporter,
  type ObjectImporter,
  registerCodec,
  type TransferCodec,
} from "./codec.ts";

/** A shareable test type: one i32 in shared memory. */
class Box {
  readonly view: Int32Array<SharedArrayBuffer>;
  constructor(view = new Int32Array(new SharedArrayBuffer(4))) {
    this.view = view;
  }
  get value(): number {
    return Atomics.load(this.view, 0);
  }
  set value(n: number) {
    Atomics.store(this.view, 0, n);
  }
  read(): number {
    return this.value;
  }
  secret(): string {
    return "not listed";
  }
}
registerCodec({
  tag: "TestBox",
  type: Box,
  share: (box: Box) => box.view,
  revive: (view: Int32Array<SharedArrayBuffer>) => new Box(view),
  remote: ["read"],
});

/** Threads only: no `remote`. */
class Pinned {
  readonly buffer = new SharedArrayBuffer(4);
}
registerCodec({
  tag: "TestPinned",
  type: Pinned,
  share: (p: Pinned) => p.buffer,
  revive: () => new Pinned(),
});

/** What another thread receives: encoded, structured-cloned, decoded. */
function viaThread<T>(value: T): T {
  return decodeValue(structuredClone(encodeValue(value, "thread"))) as T;
}

Deno.test("registerCodec records the registering module, and codecFor/codecOf find the codec", () => {
  const codec = codecFor("TestBox")!;
  assertEquals(codec.module, import.meta.url);
  assertStrictEquals(codecOf(new Box()), codec);
  assertEquals(codecOf(new Map()), undefined);
});

Deno.test("plain data is returned as is, without a copy", () => {
  const data = {
    a: [1, 2, { b: "c" }],
    m: new Map([[1, 2]]),
    s: new Set([3]),
    d: new Date(0),
  };
  assertStrictEquals(encodeValue(data, "thread"), data);
  const bytes = new Uint8Array(4);
  assertStrictEquals(encodeValue(bytes, "thread"), bytes);
});

Deno.test("handles anywhere inside arrays, objects, Maps and Sets arrive live on the thread route", () => {
  const box = new Box();
  const input = {
    list: [1, box],
    map: new Map([["k", box]]),
    set: new Set([box]),
    nested: { box },
  };
  const out = viaThread(input);
  assertStrictEquals(input.list[1], box, "the input is not modified");
  const revived = [
    out.list[1],
    out.map.get("k"),
    [...out.set][0],
    out.nested.box,
  ] as Box[];
  for (const copy of revived) {
    assert(copy instanceof Box);
    assertNotStrictEquals(copy, box);
  }
  revived[0].value = 41;
  assertEquals(box.value, 41, "the copy writes the same shared memory");
  box.value = 42;
  assertEquals(revived[3].value, 42);
});

Deno.test("the remote route exports the object and the peer gets a proxy of the listed methods", async () => {
  const box = new Box();
  box.value = 7;
  const table = new Map<string, [object, TransferCodec]>();
  const exporter: ObjectExporter = {
    export(object, codec) {
      const id = `obj-${table.size}`;
      table.set(id, [object, codec]);
      return id;
    },
  };
  const importer: ObjectImporter = {
    remote: (id) => (method, args) => {
      const [object, codec] = table.get(id)!;
      return callExported(object, codec, method, args as unknown[]);
    },
  };
  const wire = structuredClone(encodeValue([box], exporter));
  const [proxy] = decodeValue(wire, importer) as [
    Record<string, (...a: unknown[]) => Promise<unknown>>,
  ];
  assertEquals(Object.keys(proxy), ["read"]);
  assertEquals(await proxy.read(), 7);
});

Deno.test("a threads-only type refused on the remote route says why and what to use", () => {
  const exporter: ObjectExporter = { export: () => "never" };
  assertIsError(
    assertThrows(() => encodeValue({ p: new Pinned() }, exporter)),
    Error,
    /Cannot pass a TestPinned to another process: it lives in shared memory/,
  );
});

Deno.test("callExported refuses methods the codec does not list", async () => {
  const codec = codecFor("TestBox")!;
  assertIsError(
    await assertRejects(() => callExported(new Box(), codec, "secret", [])),
    Error,
    /TestBox has no remotely callable method 'secret'/,
  );
  assertEquals(await callExported(new Box(), codec, "read", []), 0);
});

Deno.test("a handle whose type this side does not know, with no module to load, is a clear error", async () => {
  const marker = { __multitask_handle__: "NoSuchType", state: 1 };
  await loadCodecs([marker]); // nothing to import: no module recorded
  assertIsError(
    assertThrows(() => decodeValue([marker])),
    Error,
    /Received a NoSuchType handle but this side has not loaded/,
  );
});

export class Point {
  x: number;
  y: number;
  box: Box;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
    this.box = new Box();
  }
  sum(): number {
    return this.x + this.y;
  }
}

Deno.test("with { instances }, user class instances travel as fields and come back with their class", () => {
  const point = new Point(1, 2);
  const wire = structuredClone(
    encodeValue({ p: point, when: new Date(5) }, "thread", { instances: true }),
  );
  const out = decodeValue(wire, undefined, {
    classes: { Point },
    module: "here.ts",
  }) as {
    p: Point;
    when: Date;
  };
  assert(out.p instanceof Point);
  assertEquals(out.p.sum(), 3);
  assert(out.p.box instanceof Box);
  out.p.box.value = 9;
  assertEquals(point.box.value, 9);
  assert(
    out.when instanceof Date,
    "built-in classes still go by structured clone",
  );
});

Deno.test("without { instances }, a user class instance is left to structured clone", () => {
  const point = new Point(1, 2);
  assertStrictEquals(encodeValue(point, "thread"), point);
});

Deno.test("an instance whose class the module does not export is an error naming the class and the fix", () => {
  class Hidden {
    n = 1;
  }
  const wire = structuredClone(
    encodeValue([new Hidden()], "thread", { instances: true }),
  );
  assertIsError(
    assertThrows(() =>
      decodeValue(wire, undefined, {
        classes: { Point },
        module: "file:///m.ts",
      })
    ),
    Error,
    /file:\/\/\/m\.ts does not export a class named 'Hidden'.*export Hidden from file:\/\/\/m\.ts/,
  );
});

Deno.test("loadCodecs imports the module that registers an unknown handle's codec, so it decodes", async () => {
  const module =
    new URL("./testdata/transfer_late_codec.ts", import.meta.url).href;
  assertEquals(codecFor("TestLate"), undefined);
  // What another isolate that had loaded the module would send.
  const wire = {
    list: [{ __multitask_handle__: "TestLate", state: 3, module }],
  };
  await loadCodecs(wire);
  assertEquals(codecFor("TestLate")?.module, module);
  const [late] = (decodeValue(wire) as {
    list: [{ state: number; constructor: { name: string } }];
  }).list;
  assertEquals(late.constructor.name, "Late");
  assertEquals(late.state, 3);
});
