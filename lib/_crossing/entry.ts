// The prologue every entry module runs before any user code: a Thread's
// worker (lib/thread/_entry.ts), a pool's thread worker
// (lib/pool/_thread_entry.ts), a child process (lib/process/_main.ts, which
// also serves pool children through lib/pool/_child_entry.ts). It decides what
// happens when user code ends the isolate (Deno.exit, process.exit, close())
// or lets an error escape (thrown from a callback, a rejection nobody
// handled): the entry flushes what must survive and reports, then the
// isolate goes. Identity (currentThread(), currentProcess()) is set by the
// entry from its init message, through the owning module. A child process's
// entry also records its channel to the parent here (setParentChannel), for
// the code it serves (a pool child) to send through.

import type { ObjectExporter } from "./codec.ts";

const realExit = Deno.exit;
const hooks: ((code: number) => void)[] = [];
let hooked = false;

/**
 * Runs `hook` synchronously when user code ends this isolate, before it
 * goes: the place to save results and tell the parent. Hooks run once, the
 * last added first (as Python's atexit), so the port's "exiting" note,
 * added when the worker connects, goes after what the entry flushes.
 */
export function beforeExit(hook: (code: number) => void): void {
  hooks.push(hook);
  if (hooked) return;
  hooked = true;
  // Deno.exit is a writable property of the Deno namespace; node:process's
  // exit() calls it too.
  Object.defineProperty(Deno, "exit", {
    value: (code?: number): never => exitNow(code),
    configurable: true,
    writable: true,
  });
  // In a Web Worker, close() ends it like Deno.exit(0).
  const scope = globalThis as { close?: () => void; self?: unknown };
  if (scope.self !== undefined && typeof scope.close === "function") {
    const close = scope.close.bind(globalThis);
    scope.close = () => {
      runHooks(0);
      close();
    };
  }
}

/** Runs the exit hooks, then ends the isolate (the entry's own way out). */
export function exitNow(code?: number): never {
  runHooks(code ?? Deno.exitCode ?? 0);
  return realExit(code);
}

function runHooks(code: number): void {
  for (const hook of hooks.splice(0).reverse()) {
    try {
      hook(code);
    } catch {
      // One failing hook must not keep the others from running.
    }
  }
}

let escape: ((error: unknown) => void) | undefined;

/**
 * Hands every error that escapes user code (an uncaught throw in a
 * callback, an unhandled rejection) to `handler` instead of Deno's default
 * report-and-exit. One handler at a time: the entry's current policy (a
 * child process serving a pool replaces the Process one).
 */
export function onEscape(handler: (error: unknown) => void): void {
  if (!escape) {
    globalThis.addEventListener("error", (event) => {
      event.preventDefault();
      escape!(event.error ?? new Error(event.message));
    });
    globalThis.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      escape!(event.reason);
    });
  }
  escape = handler;
}

/** A child process's channel to its parent, as its entry opened it. */
export interface ParentChannel {
  /** Where library objects sent to the parent are exported. */
  exporter: ObjectExporter;
  /** Resolves once everything sent so far is written to the socket. */
  written(): Promise<void>;
  /**
   * Sends a one-way message (Child.onNotify), ahead of any answer sent
   * after it; `params` cross by the payload rule, or it throws a TypeError.
   */
  notify(method: string, params: unknown): void;
}

let channel: ParentChannel | undefined;

/** Called once by a child process's entry when its channel is up. */
export function setParentChannel(opened: ParentChannel): void {
  channel = opened;
}

/** The channel of this child process to its parent, once it is up. */
export function parentChannel(): ParentChannel | undefined {
  return channel;
}
