// Exported targets for lib/process_test.ts and lib/_process_child_test.ts:
// the child Deno imports this module.
import { currentProcess, Process } from "../process.ts";
import { registerCodec } from "../../_crossing/codec.ts";

/**
 * A test-only type that crosses processes: the child gets a proxy whose
 * calls reach the parent's instance. `waitFor` blocks until the total
 * reaches `n`, or until the caller goes away (its signal aborts).
 */
export class Tally {
  total = 0;
  abandoned = 0;
  #waiters: (() => void)[] = [];
  #abandonedWaiters: (() => void)[] = [];
  add(n: number): number {
    this.total += n;
    for (const wake of this.#waiters.splice(0)) wake();
    return this.total;
  }
  get(): number {
    return this.total;
  }
  #waitCalls: (() => void)[] = [];
  /** Resolves when the next waitFor() call arrives. */
  nextWait(): Promise<void> {
    return new Promise((resolve) => this.#waitCalls.push(resolve));
  }
  waitFor(n: number, signal?: AbortSignal): Promise<number> {
    for (const wake of this.#waitCalls.splice(0)) wake();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.total >= n) return resolve(this.total);
        this.#waiters.push(check);
      };
      signal?.addEventListener("abort", () => {
        this.abandoned++;
        for (const wake of this.#abandonedWaiters.splice(0)) wake();
        reject(signal.reason);
      }, { once: true });
      check();
    });
  }
  /** Resolves once a remote waiter was abandoned by its caller. */
  nextAbandon(): Promise<void> {
    return new Promise((resolve) => this.#abandonedWaiters.push(resolve));
  }
}

registerCodec<Tally, never>({
  tag: "TestTally",
  type: Tally,
  share: () => {
    throw new Error("threads only");
  },
  revive: () => {
    throw new Error("threads only");
  },
  remote: ["add", "get", "waitFor"],
  serve: (tally, method, args, signal) =>
    method === "waitFor"
      ? tally.waitFor(args[0] as number, signal)
      : method === "add"
      ? tally.add(args[0] as number)
      : tally.get(),
});

export function add(a: number, b: number): number {
  return a + b;
}

export function whoAmI(): { name: string; pid: number; ppid: number } {
  return currentProcess();
}

export function fail(message: string): never {
  class CustomFailure extends Error {
    override name = "CustomFailure";
  }
  throw new CustomFailure(message);
}

export async function addRemote(
  tally: { add(n: number): Promise<number> },
  times: number,
) {
  let last = 0;
  for (let i = 0; i < times; i++) last = await tally.add(1);
  return last;
}

export async function waitRemote(
  tally: { waitFor(n: number): Promise<number> },
  n: number,
) {
  return await tally.waitFor(n);
}

export function permissionStates(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["read", "write", "net", "run"] as const) {
    out[name] = Deno.permissions.querySync({ name }).state;
  }
  return out;
}

export async function addThenSleep(
  tally: { add(n: number): Promise<number> },
): Promise<void> {
  await tally.add(1);
  await sleepForever();
}

export async function sleepForever(): Promise<void> {
  while (true) await new Promise((resolve) => setTimeout(resolve, 1000));
}

/** Prints `text` once the parent's `said` reaches 1 (a handshake, not a sleep). */
export async function printAfter(
  text: string,
  said: { waitFor(n: number): Promise<number> },
): Promise<void> {
  await said.waitFor(1);
  console.log(text);
}

/** A plain class of this module, for instances passed to a child. */
export class Point {
  constructor(public x: number, public y: number) {}
  norm1(): number {
    return Math.abs(this.x) + Math.abs(this.y);
  }
}

/**
 * A Process subclass whose run() adds to the parent's Tally: its own
 * fields, a live handle and an instance of this module's class among them,
 * and its name and pid, as the child sees them.
 */
export class Counting extends Process {
  tally: Tally;
  by: Point;
  constructor(tally: Tally, by: Point) {
    super({ module: import.meta.url, name: "Counting" });
    this.tally = tally;
    this.by = by;
  }
  override async run(): Promise<void> {
    const me = `${this.name}:${this.pid === Deno.pid}:${this.isAlive()}`;
    if (me !== "Counting:true:true") throw new Error(`wrong self ${me}`);
    await this.tally.add(this.by.norm1());
  }
}

/** A Process subclass whose run() calls super.run(), which runs its target there. */
export class Wrapped extends Process {
  override run(): unknown {
    return super.run();
  }
}
