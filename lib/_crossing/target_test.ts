import {
  assertEquals,
  assertMatch,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  describeTarget,
  explainClosure,
  resolveTarget,
  TargetError,
  type TargetSpec,
} from "./target.ts";
import { errorAt, invoke, RETURNED, returnedAt } from "./outcome.ts";
import { echo } from "../thread/testdata/thread_targets.ts";

const targets =
  new URL("../thread/testdata/thread_targets.ts", import.meta.url).href;

Deno.test("describeTarget names an exported function by module and name", () => {
  assertEquals(describeTarget(echo, new URL(targets), "test"), {
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
      assertEquals(spec.kind, "source");
      assertEquals(await invoke(spec, args), [RETURNED, expected]);
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
      const error = assertThrows(
        () => describeTarget(target, module, "pool"),
        TypeError,
      );
      assertMatch(error.message, /^Cannot create pool/);
      assertMatch(error.message, message);
    });
  }
});

Deno.test("resolveTarget finds an export and caches it", async () => {
  const spec: TargetSpec = { kind: "export", module: targets, name: "echo" };
  const fn = await resolveTarget(spec);
  assertStrictEquals(fn, echo);
  assertStrictEquals(await resolveTarget({ ...spec }), fn);
});

Deno.test("a missing export is a TargetError naming the module, the name, the exports and the fix", async () => {
  const spec: TargetSpec = { kind: "export", module: targets, name: "nope" };
  const error = await assertRejects(() => resolveTarget(spec), TargetError);
  assertMatch(
    error.message,
    /thread_targets\.ts has no exported function named 'nope'/,
  );
  assertMatch(error.message, /its exported functions: .*echo/);
  assertMatch(error.message, /Add 'export'/);
  const out = await invoke(spec, []);
  assertEquals(returnedAt(out, 0), false);
  assertEquals(errorAt(out, 0).name, "TargetError");
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
  assertEquals(returnedAt(outcome, 0), false);
  const error = errorAt(outcome, 0);
  assertEquals(error.name, "SyntaxError");
  assertEquals(error.message, "bad input");
  assertMatch(error.stack ?? "", /SyntaxError: bad input/);
});

Deno.test("invoke passes `self` as this", async () => {
  const spec = describeTarget(
    function (this: { n: number }, k: number) {
      return this.n * k;
    },
    undefined,
    "test",
  );
  assertEquals(await invoke(spec, [3], { n: 2 }), [RETURNED, 6]);
});

Deno.test("a ReferenceError in shipped source is explained with the closure rule", async () => {
  const outer = 1;
  const outcome = await invoke(
    describeTarget(() => outer, undefined, "test"),
    [],
  );
  assertEquals(returnedAt(outcome, 0), false);
  const error = errorAt(outcome, 0);
  assertEquals(error.name, "ReferenceError");
  assertMatch(
    error.message,
    /^outer is not defined\. The target was shipped as source/,
  );
  assertMatch(error.message, /Pass outer as an argument/);
  assertMatch(
    error.stack ?? "",
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
  assertStrictEquals(explainClosure(reference, exported), reference);
  const type = new TypeError("x is not a function");
  assertStrictEquals(explainClosure(type, source), type);
  const explained = explainClosure(reference, source) as Error;
  assertNotStrictEquals(explained, reference);
  assertStrictEquals(explained.cause, reference);
});

Deno.test("source that does not evaluate is a TargetError suggesting export", async () => {
  const outcome = await invoke({ kind: "source", source: "function (" }, []);
  assertEquals(returnedAt(outcome, 0), false);
  const error = errorAt(outcome, 0);
  assertEquals(error.name, "TargetError");
  assertMatch(
    error.message,
    /Cannot rebuild the target function from its source.*Export the function/,
  );
});
