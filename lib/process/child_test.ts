import {
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  errorAt,
  RETURNED,
  returnedAt,
  valueAt,
} from "../_crossing/outcome.ts";
import { Child, ChildStartError, startChild } from "./_child.ts";
import { permissionFlags } from "./_permissions.ts";
import { describeTarget } from "../_crossing/target.ts";
import { ConnectionClosedError } from "../errors/connection.ts";
import * as targets from "./testdata/process_targets.ts";

const module = new URL("./testdata/process_targets.ts", import.meta.url).href;
const spec = (fn: (...args: never[]) => unknown) =>
  describeTarget(fn, module, "test");

Deno.test("a child runs many pipelined invokes and reports who it is", async () => {
  await using child = await startChild({
    name: "Worker-A",
    daemon: true,
    module,
  });
  const results = await Promise.all(
    Array.from(
      { length: 1000 },
      (_, i) => child.invoke(spec(targets.add), [i, 1]),
    ),
  );
  assertEquals(
    results.map((r) => returnedAt(r, 0) && valueAt(r, 0)),
    results.map((_, i) => i + 1),
  );
  const who = await child.invoke(spec(targets.whoAmI), []);
  assertEquals(who, [
    RETURNED,
    { name: "Worker-A", pid: child.pid, ppid: Deno.pid },
  ]);
});

Deno.test("a first invoke whose arguments cannot be sent does not break later calls of the same target", async () => {
  await using child = await startChild({
    name: "Worker-U",
    daemon: true,
    module,
  });
  const error = await assertRejects(
    () => child.invoke(spec(targets.add), [() => 1, 1]),
    Error,
  );
  assertEquals(error.name, "DataCloneError");
  assertEquals(await child.invoke(spec(targets.add), [2, 3]), [RETURNED, 5]);
});

Deno.test("close() before the control channel is up makes the child exit once it connects", async () => {
  const child = new Child({ name: "Closed-early", daemon: true, module });
  child.close();
  const status = await child.status;
  assertEquals(status.code, 0);
  await assertRejects(
    () => child.invoke(spec(targets.add), [1, 1]),
    ConnectionClosedError,
  );
});

Deno.test("an error thrown in the child comes back with its class name and message", async () => {
  await using child = await startChild({
    name: "Worker-B",
    daemon: true,
    module,
  });
  const outcome = await child.invoke(spec(targets.fail), ["bad input"]);
  assertEquals(returnedAt(outcome, 0), false);
  const error = errorAt(outcome, 0);
  assertEquals(error.name, "CustomFailure");
  assertEquals(error.message, "bad input");
  assertMatch(error.stack ?? "", /process_targets\.ts/);
});

Deno.test("a library object passed to a child is a live handle on the parent's object", async () => {
  await using child = await startChild({
    name: "Worker-C",
    daemon: true,
    module,
  });
  const tally = new targets.Tally();
  const outcome = await child.invoke(spec(targets.addRemote), [tally, 50]);
  assertEquals(outcome, [RETURNED, 50]);
  assertEquals(tally.total, 50);
  const again = await child.invoke(spec(targets.addRemote), [tally, 1]);
  assertEquals(again, [RETURNED, 51], "the same object, not a copy");
});

Deno.test("a call the child was blocked in is cancelled when the child dies, and its exports are released", async () => {
  const child = await startChild({ name: "Worker-D", daemon: true, module });
  const tally = new targets.Tally();
  const waiting = tally.nextWait();
  const abandoned = tally.nextAbandon();
  const call = child.invoke(spec(targets.waitRemote), [tally, 1000]);
  await waiting;
  assertEquals((child.exporter as unknown as { size: number }).size, 1);
  child.kill("SIGKILL");
  await assertRejects(() => call, ConnectionClosedError);
  await abandoned;
  assertEquals(tally.abandoned, 1);
  await child.status;
  assertEquals((child.exporter as unknown as { size: number }).size, 0);
  assertEquals(tally.add(1), 1, "nothing was taken by the dead waiter");
});

Deno.test("a child resolves imports through the deno.json next to the target's module", async () => {
  const dir = await Deno.makeTempDir({ prefix: "multitask-importmap-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: { "greeting": "./greeting.ts" } }),
    );
    await Deno.writeTextFile(
      `${dir}/greeting.ts`,
      `export const greeting = "hello from the map";`,
    );
    await Deno.writeTextFile(
      `${dir}/uses_map.ts`,
      `import { greeting } from "greeting";\nexport function hello() { return greeting; }\n`,
    );
    const userModule = `file://${dir}/uses_map.ts`;
    await using child = await startChild({
      name: "Mapped",
      daemon: true,
      module: userModule,
    });
    const hello = function hello() {};
    const outcome = await child.invoke(
      describeTarget(hello, userModule, "test"),
      [],
    );
    assertEquals(outcome, [RETURNED, "hello from the map"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The library's own imports must resolve in a child that reads the user's
// deno.json, which knows nothing of @std: lib/ names @std packages by full
// jsr: specifiers (the bare "@std/..." names exist only in this repo's map).
Deno.test("a child under the user's deno.json loads the whole library by path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "multitask-foreign-config-" });
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({}));
    const library = new URL("../../mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      `${dir}/uses_library.ts`,
      `import * as multitask from ${JSON.stringify(library)};\n` +
        `export function exported() { return Object.keys(multitask).length; }\n`,
    );
    const userModule = `file://${dir}/uses_library.ts`;
    await using child = await startChild({
      name: "Foreign",
      daemon: true,
      module: userModule,
    });
    const exported = function exported() {};
    const outcome = await child.invoke(
      describeTarget(exported, userModule, "test"),
      [],
    );
    const local = Object.keys(await import(library)).length;
    assertEquals(outcome, [RETURNED, local]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("permissions are inherited unless narrowed", async (t) => {
  await t.step("inherit under -A gives --allow-all", () => {
    assertEquals(permissionFlags("inherit", "test"), ["--allow-all"]);
  });
  await t.step("a narrowed child lacks what was taken away", async () => {
    await using child = await startChild({
      name: "Narrow",
      daemon: true,
      module,
      permissions: { net: false, run: false },
    });
    const outcome = await child.invoke(spec(targets.permissionStates), []);
    assertEquals(outcome, [RETURNED, {
      read: "granted",
      write: "granted",
      net: "prompt",
      run: "prompt",
    }]);
  });
  await t.step('"none" leaves only the control socket', async () => {
    await using child = await startChild({
      name: "Bare",
      daemon: true,
      module,
      permissions: "none",
    });
    const outcome = await child.invoke(spec(targets.permissionStates), []);
    assertEquals(outcome, [RETURNED, {
      read: "prompt",
      write: "prompt",
      net: "prompt",
      run: "prompt",
    }]);
  });
  await t.step("unknown kinds and bad values are refused up front", () => {
    assertIsError(
      assertThrows(() =>
        permissionFlags({ disk: true } as never, "Process 'x'")
      ),
      Error,
      /Cannot create Process 'x' as 'permissions' has unknown kind 'disk'/,
    );
    assertIsError(
      assertThrows(() =>
        permissionFlags({ read: "yes" } as never, "Process 'x'")
      ),
      Error,
      /'permissions.read' must be true, false or a list of strings: received "yes"/,
    );
  });
});

Deno.test("a child that cannot start is reported as ChildStartError", async () => {
  await assertRejects(() =>
    startChild({
      name: "Nowhere",
      daemon: true,
      module,
      cwd: "/nonexistent/dir",
    }), ChildStartError);
});
