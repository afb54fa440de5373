// What crosses into a thread and back: arguments (library objects live,
// instances of the module's classes with their class, or a clear refusal),
// subclasses rebuilt from their fields, and results that cannot cross.
import {
  assertEquals,
  assertIsError,
  assertMatch,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Thread } from "./thread.ts";
import {
  Account,
  AddMoney,
  addToCell,
  Cell,
  depositTo,
  Download,
  echo,
  makeHidden,
  makeUnexported,
  returnFunction,
  Wrapped,
} from "./testdata/thread_targets.ts";
import { collectingErrors } from "./testdata/collecting_errors.ts";

const targets = new URL("./testdata/thread_targets.ts", import.meta.url).href;

Deno.test("library objects in the arguments arrive as live handles, even in a target that never imported their module", async () => {
  const cell = new Cell();
  const a = new Thread({
    target: addToCell,
    module: targets,
    args: [cell, 1000],
  });
  const b = new Thread({
    target: (box: { cell: { add(n: number): number } }) => {
      for (let i = 0; i < 1000; i++) box.cell.add(1);
      return box.cell.constructor.name;
    },
    args: [{ cell }],
  });
  a.start();
  b.start();
  await Promise.all([a.join(), b.join()]);
  assertEquals(a.result, true);
  assertEquals(b.result, "Cell");
  assertEquals(cell.view[0], 2000);
});

Deno.test("arguments that cannot be cloned make start() throw a TypeError and leave the thread unstarted", () => {
  const t = new Thread({ target: echo, module: targets, args: [() => 1] });
  const e = assertThrows(() => t.start(), TypeError);
  assertMatch(e.message, /cannot be cloned/);
  assertEquals(t.isAlive(), false);
  assertEquals(t.ident, null);
});

Deno.test("a Thread subclass exported from its module runs its run() with its fields, name and ident", async () => {
  const t = new Download("book.pdf");
  t.start();
  await t.join();
  assertEquals(t.error, undefined);
  assertEquals(t.result, `${t.name}:true:book.pdf:8:true`);
});

Deno.test("a Thread subclass that is not exported fails with an error naming the module, the class and the fix", async () => {
  await collectingErrors(async () => {
    const t = makeHidden();
    t.start();
    await t.join();
    assertEquals(t.error?.name, "TargetError");
    assertMatch(
      t.error!.message,
      /thread_targets\.ts has no exported class named 'Hidden'/,
    );
    assertMatch(t.error!.message, /export class Hidden extends Thread/);
  });
});

Deno.test("a Thread subclass without a module is refused at construction", () => {
  class Local extends Thread {
    override run(): void {}
  }
  assertIsError(
    assertThrows(() => new Local()),
    Error,
    /super\(\{ module: import\.meta\.url \}\)/,
  );
});

Deno.test("instances of classes exported by the target's module arrive with their class and live handles inside", async () => {
  const account = new Account("Alice");
  const viaFunction = new Thread({
    target: depositTo,
    module: targets,
    args: [account, 5],
  });
  viaFunction.start();
  await viaFunction.join();
  assertEquals(viaFunction.result, "true:Alice");
  const viaSubclass = new AddMoney(account, 7);
  viaSubclass.start();
  await viaSubclass.join();
  assertEquals(viaSubclass.error, undefined);
  assertEquals(account.cell.view[0], 12);
});

Deno.test("an instance of a class the target's module does not export fails with an error naming the class and the fix", async () => {
  await collectingErrors(async () => {
    const t = new Thread({
      target: echo,
      module: targets,
      args: [makeUnexported()],
    });
    t.start();
    await t.join();
    assertEquals(t.error?.name, "TypeError");
    assertMatch(t.error!.message, /does not export a class named 'Unexported'/);
    assertMatch(t.error!.message, /export Unexported from/);
  });
});

Deno.test("a subclass's run() can call super.run(), which runs the target inside the thread", async () => {
  const t = new Wrapped();
  t.start();
  await t.join();
  assertEquals(t.error, undefined);
  assertEquals(t.result, ["wrapped", ["a", 1]]);
});

Deno.test("a thread whose target returns a value that cannot be cloned back fails with a clear error, reported like a thrown one", async (t) => {
  for (const daemon of [false, true]) {
    await t.step(daemon ? "daemon" : "non-daemon", async () => {
      await collectingErrors(async (seen) => {
        const thread = new Thread({
          target: returnFunction,
          module: targets,
          daemon,
        });
        thread.start();
        await thread.join();
        assertEquals(thread.result, undefined);
        assertIsError(
          thread.error,
          TypeError,
          "Cannot send the result back to the caller as it cannot be copied",
        );
        assertEquals(seen.length, 1);
        assertStrictEquals(seen[0].thread, thread);
      });
    });
  }
});
