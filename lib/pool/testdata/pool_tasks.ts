// Exported task functions for lib/pool_test.ts (workers import this module
// by URL, so it must have no top-level effects).

import { currentThread } from "../../thread/thread.ts";
import { progress } from "../progress.ts";

/** Adds two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

/** Squares a number. */
export function square(x: number): number {
  return x * x;
}

/** An error class of the user's own, to check its name survives. */
export class InsufficientFunds extends Error {
  override name = "InsufficientFunds";
}

/** Throws the user's own error class. */
export function withdraw(balance: number, amount: number): number {
  if (amount > balance) {
    throw new InsufficientFunds(`cannot withdraw ${amount} from ${balance}`);
  }
  return balance - amount;
}

declare global {
  var poolTaskState:
    | { worker: string; inits: number; greeting: string }
    | undefined;
}

/** Initializer: records itself in the worker's globals. */
export function setUp(greeting: string): void {
  const state = globalThis.poolTaskState ??= {
    worker: crypto.randomUUID(),
    inits: 0,
    greeting: "",
  };
  state.inits++;
  state.greeting = greeting;
}

/** Reports what the initializer left in this worker. */
export function whoAmI(): { worker: string; inits: number; greeting: string } {
  return globalThis.poolTaskState ?? { worker: "none", inits: 0, greeting: "" };
}

/** An id unique to the worker (or process) running it. */
export function workerId(): string {
  const g = globalThis as { poolWorkerId?: string };
  return g.poolWorkerId ??= crypto.randomUUID();
}

/** Never returns. */
export function spin(): never {
  while (true) {
    // stuck on purpose
  }
}

/** Releases `started` (the test's handshake: the task is running), then never returns. */
export function signalThenSpin(started: { release(): unknown }): never {
  started.release();
  return spin();
}

/** Exits the worker (or child process) with `code`. */
export function exitWith(code: number): never {
  Deno.exit(code);
}

/** Adds 1 to a shared counter (a Value, live in a thread or proxied in a process). */
export async function bump(
  counter: { add(delta: number): unknown },
): Promise<void> {
  await counter.add(1);
}

/** Waits for an Event, then reports. */
export async function waitFor(event: { wait(): unknown }): Promise<string> {
  await event.wait();
  return "woke";
}

/** The process id of whoever runs the task. */
export function pid(): number {
  return Deno.pid;
}

/** Kills its own process with SIGKILL (like the kernel's OOM killer would). */
export function killSelf(): never {
  Deno.kill(Deno.pid, "SIGKILL");
  while (true) {
    // the signal lands before this loops long
  }
}

/** Puts `count` numbers on a queue (a Queue, live in a thread or proxied in a process). */
export async function produce(
  queue: { put(item: number): unknown },
  start: number,
  count: number,
): Promise<number> {
  for (let i = start; i < start + count; i++) await queue.put(i);
  return count;
}

/** Kills its own process with `signal`, as a segfault or an abort would. */
export function dieBy(signal: Deno.Signal): never {
  Deno.kill(Deno.pid, signal);
  while (true) {
    // the signal lands before this loops long
  }
}

/** What currentThread() reports inside the worker running it. */
export function threadName(): { name: string; ident: number | null } {
  const { name, ident } = currentThread();
  return { name, ident };
}

/**
 * Doubles `i`, or ends the worker running it as `how` says: "exit"
 * (Deno.exit), "kill" (SIGKILL of its own process) or "escape" (an error
 * thrown from a timer while the task waits).
 */
export function doubleOrDie(i: number, how: string): number | Promise<never> {
  if (how === "exit") Deno.exit(3);
  if (how === "kill") killSelf();
  if (how === "escape") {
    setTimeout(() => {
      throw new Error(`escaped from task ${i}`);
    });
    return new Promise(() => {});
  }
  return i * 2;
}

/** Returns `i`, or a function (which cannot be sent back) when `fn` is true. */
export function valueOrFunction(
  i: number,
  fn: boolean,
): number | (() => number) {
  return fn ? () => i : i;
}

/** Takes the next number from a shared counter: the order tasks ran in. */
export function ticket(counter: { add(delta: number): unknown }): unknown {
  return counter.add(1);
}

/** Resolves after `ms`, with `ms`. */
export function nap(ms: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
}

/** Reports [id, 1] ... [id, n] through progress(), awaiting between some, then returns id. */
export async function steps(id: number, n: number): Promise<number> {
  for (let i = 1; i <= n; i++) {
    progress([id, i]);
    if (i % 2) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return id;
}

/** Reports a value that cannot cross (a function). */
export function reportUnsendable(): string {
  progress(() => 1);
  return "unreachable";
}

/**
 * Holds its worker until the test lets go: counts itself in `running` (the
 * test's handshake: this many tasks hold a worker), waits for `go`, then
 * names the worker (and process) that ran it.
 */
export async function holdWorker(
  running: { add(delta: number): unknown },
  go: { wait(): unknown },
): Promise<{ id: string; pid: number }> {
  await running.add(1);
  await go.wait();
  return { id: workerId(), pid: Deno.pid };
}

/** Names the worker (and process) that ran it. */
export function whichWorker(): { id: string; pid: number } {
  return { id: workerId(), pid: Deno.pid };
}

/** Grows the JavaScript heap until V8 stops the worker (its heap limit). */
export function hog(): never {
  const held: number[][] = [];
  while (true) held.push(new Array(100_000).fill(held.length));
}
