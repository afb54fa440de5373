/**
 * Thread-local and async-context-local data [threading.local]: each thread,
 * and each async call chain started by `run()`, sees its own value.
 *
 * @example One value per call chain
 * ```ts
 * import { Local } from "@multitask/core/local";
 *
 * const user = new Local<string>();
 * await Promise.all(["Alice", "Bob"].map((name) =>
 *   user.run(name, async () => {
 *     await Promise.resolve();
 *     console.log(`Hello, ${user.get()}`);
 *   })
 * ));
 * ```
 *
 * @module
 */

// Thread-local and async-context-local data. Each thread is its own isolate,
// so a module-level Local is already per thread; within one thread,
// AsyncLocalStorage gives each call chain started by run() its own slot.

import { AsyncLocalStorage } from "node:async_hooks";
import { registerCodec } from "../_crossing/codec.ts";
import { Adoption } from "../_crossing/adopt.ts";

interface Slot<T> {
  value: T | undefined;
}

// A Local passed to a thread arrives as that thread's own Local for the same
// id: one per id per isolate, starting empty, like Python's threading.local.
const byId = new Map<string, WeakRef<Local<unknown>>>();
const adoption = new Adoption<string>();

/**
 * Data that each thread, and each async call chain started by `run`, sees
 * separately [threading.local]. `set` outside any `run` sets this thread's
 * value; inside `run` it sets that call chain's value.
 *
 * @example One value per request, with no parameter passing
 * ```ts
 * import { Local } from "@multitask/core";
 *
 * const student = new Local<string>();
 * function greet() {
 *   return `Hello, ${student.get()}`;
 * }
 * const greetings = await Promise.all(
 *   ["Alice", "Bob"].map((name) =>
 *     student.run(name, async () => {
 *       await new Promise((resolve) => setTimeout(resolve, 1));
 *       return greet();
 *     })
 *   ),
 * );
 * console.log(greetings); // [ "Hello, Alice", "Hello, Bob" ]
 * ```
 */
export class Local<T> {
  #storage = new AsyncLocalStorage<Slot<T>>();
  #thread: Slot<T>;
  #id: string;

  /** Creates an empty local; `initial` is what `get()` returns before any `set`. */
  constructor(initial?: T) {
    this.#thread = { value: initial };
    this.#id = adoption.state ?? crypto.randomUUID();
  }

  /**
   * This thread's (or this call chain's) value, undefined if never set.
   *
   * @example
   * ```ts
   * import { Local } from "@multitask/core";
   *
   * console.log(new Local<number>(1).get()); // 1
   * ```
   */
  get(): T | undefined {
    return (this.#storage.getStore() ?? this.#thread).value;
  }

  /**
   * Sets the value for this thread, or for the current `run` call chain.
   *
   * @example
   * ```ts
   * import { Local } from "@multitask/core";
   *
   * const user = new Local<string>();
   * user.set("Alice");
   * console.log(user.get()); // "Alice"
   * ```
   */
  set(value: T): void {
    (this.#storage.getStore() ?? this.#thread).value = value;
  }

  /**
   * Runs `fn` with `value` as this local's value for `fn` and every async
   * call it starts; other call chains do not see it.
   *
   * @example
   * ```ts
   * import { Local } from "@multitask/core";
   *
   * const user = new Local<string>();
   * user.set("outer");
   * const inner = await user.run("inner", async () => user.get());
   * console.log(inner, user.get()); // "inner" "outer"
   * ```
   */
  run<R>(value: T, fn: () => R): R {
    return this.#storage.run({ value }, fn);
  }

  static {
    registerCodec<Local<unknown>, string>({
      tag: "Local",
      type: Local,
      share: (local) => {
        byId.set(local.#id, new WeakRef(local)); // so it comes back as itself
        return local.#id;
      },
      revive: (id) => {
        const known = byId.get(id)?.deref();
        if (known) return known;
        const local = adoption.lend(id, () => new Local<unknown>());
        byId.set(id, new WeakRef(local));
        return local;
      },
    });
  }
}
