// Exported targets for lib/thread_test.ts: the worker imports this module.
import { currentThread, Thread } from "../thread.ts";
import { registerCodec } from "../../_crossing/codec.ts";

/** A tiny shareable type registered only here, to prove handles travel. */
export class Cell {
  readonly view: Int32Array;
  constructor(view = new Int32Array(new SharedArrayBuffer(8))) {
    this.view = view;
  }
  add(n: number): number {
    return Atomics.add(this.view, 0, n);
  }
}
registerCodec({
  tag: "TestCell",
  type: Cell,
  share: (cell: Cell) => cell.view,
  revive: (view: Int32Array<SharedArrayBuffer>) => new Cell(view),
});

export function whoAmI(): {
  name: string;
  ident: number | null;
  nested: string;
} {
  const me = currentThread();
  return { name: me.name, ident: me.ident, nested: deeper() };
}

function deeper(): string {
  return currentThread().name;
}

export function echo(...args: unknown[]): unknown[] {
  return args;
}

export class NotFound extends Error {
  override name = "NotFound";
  code = 404;
}

export function fail(): never {
  throw new NotFound("no such page");
}

export function addToCell(cell: Cell, times: number): boolean {
  for (let i = 0; i < times; i++) cell.add(1);
  return cell instanceof Cell;
}

/** Blocks until view[1] becomes non-zero, after saying it started in view[0]. */
export function waitForRelease(view: Int32Array): string {
  Atomics.store(view, 0, 1);
  Atomics.notify(view, 0);
  while (Atomics.load(view, 1) === 0) Atomics.wait(view, 1, 0);
  return "released";
}

export class Download extends Thread {
  file: string;
  sizes: Map<string, number>;
  constructor(file: string) {
    super({ module: import.meta.url });
    this.file = file;
    this.sizes = new Map([[file, file.length]]);
  }
  override run(): string {
    return `${this.name}:${this.ident === currentThread().ident}:${this.file}:${
      this.sizes.get(this.file)
    }:${this.isAlive()}`;
  }
}

/** A subclass that forgot `export`. */
class Hidden extends Thread {
  constructor() {
    super({ module: import.meta.url });
  }
  override run(): void {}
}

export function makeHidden(): Thread {
  return new Hidden();
}

export function spawnChild(): string {
  const child = new Thread({
    target: whoAmI,
    module: import.meta.url,
    name: "Child",
  });
  child.start();
  return `${currentThread().name} started ${child.name}`;
}

/** A user class: travels as its fields and is rebuilt from this module's export. */
export class Account {
  owner: string;
  cell: Cell;
  constructor(owner: string) {
    this.owner = owner;
    this.cell = new Cell();
  }
  deposit(money: number): void {
    this.cell.add(money);
  }
}

export function depositTo(account: Account, money: number): string {
  account.deposit(money);
  return `${account instanceof Account}:${account.owner}`;
}

export class AddMoney extends Thread {
  account: Account;
  money: number;
  constructor(account: Account, money: number) {
    super({ module: import.meta.url });
    this.account = account;
    this.money = money;
  }
  override run(): void {
    this.account.deposit(this.money);
  }
}

class Unexported {
  n = 1;
}

export function makeUnexported(): object {
  return new Unexported();
}

/** Overrides run() and calls the base run(), which runs the target. */
export class Wrapped extends Thread {
  constructor() {
    super({ target: echo, module: import.meta.url, args: ["a", 1] });
  }
  override async run(): Promise<unknown> {
    return ["wrapped", await super.run()];
  }
}

/** Returns a promise that never settles, and fails later from a timer. */
export function failLater(): Promise<never> {
  setTimeout(() => {
    throw new RangeError("thrown from a timer");
  }, 1);
  return new Promise(() => {});
}

/** Leaves a rejected promise unhandled. */
export function rejectUnhandled(): Promise<never> {
  void Promise.reject(new EvalError("nobody caught me"));
  return new Promise(() => {});
}

/** Starts an unnamed thread from inside a thread and reports its name, ident and daemon flag. */
export async function spawnUnnamed(): Promise<
  [string, number | null, boolean]
> {
  const child = new Thread({ target: whoAmI, module: import.meta.url });
  child.start();
  await child.join();
  return [child.name, child.ident, child.daemon];
}

/** Ends its thread with Deno.exit. */
export function exitThread(): never {
  Deno.exit(4);
}

/** Returns a function, which cannot be cloned back. */
export function returnFunction(): () => void {
  return () => {};
}
