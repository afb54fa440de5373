import assert from "node:assert/strict";
import {
  describeTarget,
  explainClosure,
  invoke,
  resolveTarget,
  TargetError,
  type TargetSpec,
} from "./target.ts";
import { echo } from "../thread/testdata/thread_targets.ts";

const targets =
  new URL("../thread/testdata/thread_targets.ts", import.meta.url).href;

Deno.test("describeTarget names an exported function by module and name", () => {
  assert.deepEqual(describeTarget(echo, new URL(targets), "test"), {
    kind: "export",
    module: targets,
    name: "echo",
  });
});

Deno.test("describeTarget ships the source of a self-contained function", async (t) => {
  const cases: [string, (...args: never[]) => unknown, unknown[], unknown][] = [
    ["arrow", (a: number, b: number) => a + b, [2, 3], 5],
    [
      "function expression",
      function (s: string) {
        return s.toUpperCase();
      },
      ["x"],
      "X",
    ],
    ["async arrow", async (n: number) => await Promise.resolve(n * 2), [4], 8],
    [
      "method shorthand",
      {
        twice(n: number) {
          return n * 2;
        },
      }.twice,
      [5],
      10,
    ],
    [
      "async method shorthand",
      {
        async half(n: number) {
          return await Promise.resolve(n / 2);
        },
      }.half,
      [8],
      4,
    ],
  ];
  for (const [label, fn, args, expected] of cases) {
    await t.step(label, async () => {
      const spec = describeTarget(fn, undefined, "test");
      assert.equal(spec.kind, "source");
      assert.deepEqual(await invoke(spec, args), { ok: true, value: expected });
    });
  }
});

Deno.test("describeTarget refuses what cannot be found or shipped, saying how to fix it", async (t) => {
  const cases: [string, unknown, string | undefined, RegExp][] = [
    [
      "not a function",
      42,
      undefined,
      /'target' must be a function: received number/,
    ],
    ["anonymous with module", [() => 1][0], targets, /no usable name/],
    ["bound with module", echo.bind(null), targets, /no usable name/],
    [
      "relative module",
      echo,
      "./x.ts",
      /'module' must be an absolute URL.*import\.meta\.url/,
    ],
    ["native function", Math.max, undefined, /native or bound function/],
    ["bound function", echo.bind(null), undefined, /native or bound function/],
    ["class", class Foo {}, undefined, /is a class, not a function/],
  ];
  for (const [label, target, module, message] of cases) {
    await t.step(label, () => {
      assert.throws(
        () => describeTarget(target, module, "pool"),
        (error: Error) => {
          assert.match(error.message, /^Cannot create pool/);
          assert.match(error.message, message);
          return error instanceof TypeError;
        },
      );
    });
  }
});

Deno.test("resolveTarget finds an export and caches it", async () => {
  const spec: TargetSpec = { kind: "export", module: targets, name: "echo" };
  const fn = await resolveTarget(spec);
  assert.equal(fn, echo);
  assert.equal(await resolveTarget({ ...spec }), fn);
});

Deno.test("a missing export is a TargetError naming the module, the name, the exports and the fix", async () => {
  const spec: TargetSpec = { kind: "export", module: targets, name: "nope" };
  await assert.rejects(resolveTarget(spec), (error: Error) => {
    assert.ok(error instanceof TargetError);
    assert.match(
      error.message,
      /thread_targets\.ts has no exported function named 'nope'/,
    );
    assert.match(error.message, /its exported functions: .*echo/);
    assert.match(error.message, /Add 'export'/);
    return true;
  });
  const outcome = await invoke(spec, []);
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.error.name, "TargetError");
});

Deno.test("invoke captures a thrown error with its name, message and stack", async () => {
  const outcome = await invoke(
    describeTarget(
      () => {
        throw new SyntaxError("bad input");
      },
      undefined,
      "test",
    ),
    [],
  );
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.error.name, "SyntaxError");
  assert.equal(outcome.error.message, "bad input");
  assert.match(outcome.error.stack ?? "", /SyntaxError: bad input/);
});

Deno.test("invoke passes `self` as this", async () => {
  const spec = describeTarget(
    function (this: { n: number }, k: number) {
      return this.n * k;
    },
    undefined,
    "test",
  );
  assert.deepEqual(await invoke(spec, [3], { n: 2 }), { ok: true, value: 6 });
});

Deno.test("a ReferenceError in shipped source is explained with the closure rule", async () => {
  const outer = 1;
  const outcome = await invoke(
    describeTarget(() => outer, undefined, "test"),
    [],
  );
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.error.name, "ReferenceError");
  assert.match(
    outcome.error.message,
    /^outer is not defined\. The target was shipped as source/,
  );
  assert.match(outcome.error.message, /Pass outer as an argument/);
  assert.match(
    outcome.error.stack ?? "",
    /^ReferenceError: outer is not defined\. The target/,
  );
});

Deno.test("explainClosure leaves other errors and exported targets alone", () => {
  const reference = new ReferenceError("x is not defined");
  const exported: TargetSpec = {
    kind: "export",
    module: targets,
    name: "echo",
  };
  const source: TargetSpec = { kind: "source", source: "() => x" };
  assert.equal(explainClosure(reference, exported), reference);
  const type = new TypeError("x is not a function");
  assert.equal(explainClosure(type, source), type);
  const explained = explainClosure(reference, source) as Error;
  assert.notEqual(explained, reference);
  assert.equal(explained.cause, reference);
});

Deno.test("source that does not evaluate is a TargetError suggesting export", async () => {
  const outcome = await invoke({ kind: "source", source: "function (" }, []);
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.error.name, "TargetError");
  assert.match(
    outcome.error.message,
    /Cannot rebuild the target function from its source.*Export the function/,
  );
});
