// What a Redis pool worker knows about the callers whose tasks it takes:
// whether each is still there (its liveness key; a vanished caller's tasks
// are not run, as nobody would read their results), and which of its tasks
// it cancelled (pub/sub messages, kept a while so that a task taken just
// after its cancel went out is not started).

import type { Link, SendOptions } from "./_link.ts";
import { CALLER_TTL, type PoolKeys } from "./_pool_options.ts";

interface Caller {
  alive: boolean;
  seen: number;
}

/** The callers a worker has seen. */
export class CallerWatch {
  readonly #cmd: Link;
  readonly #keys: PoolKeys;
  readonly #callers = new Map<string, Caller>();
  readonly #cancelled = new Map<string, number>();

  constructor(cmd: Link, keys: PoolKeys) {
    this.#cmd = cmd;
    this.#keys = keys;
  }

  /** Notes a task of `caller`; false when the caller was found gone at the last look. */
  saw(caller: string): boolean {
    const known = this.#callers.get(caller);
    if (known) known.seen = Date.now();
    else this.#callers.set(caller, { alive: true, seen: Date.now() });
    return known?.alive ?? true;
  }

  /** Looks again now (a caller idle for long comes back with a fresh key). */
  async recheck(caller: string, options: SendOptions): Promise<void> {
    const known = this.#callers.get(caller);
    const n = await this.#cmd.send<number>(
      ["EXISTS", this.#keys.caller(caller)],
      options,
    ).catch(() => 1);
    if (known) known.alive = n === 1;
  }

  /** Whether `caller` was gone at the last look. */
  vanished(caller: string): boolean {
    return this.#callers.get(caller)?.alive === false;
  }

  /** Records a cancellation: "<caller> <task>" or "<caller> *". */
  cancel(message: string): void {
    this.#cancelled.set(message, Date.now());
  }

  /** Whether `task` of `caller` (or all its tasks) was cancelled. */
  cancelled(caller: string, task: number | string): boolean {
    return this.#cancelled.has(`${caller} ${task}`) ||
      this.#cancelled.has(`${caller} *`);
  }

  /** Looks at the callers seen lately, and forgets old news. */
  async refresh(options: SendOptions): Promise<void> {
    const now = Date.now();
    for (const [key, at] of this.#cancelled) {
      if (now - at > CALLER_TTL * 2) this.#cancelled.delete(key);
    }
    for (const [caller, c] of this.#callers) {
      if (now - c.seen > CALLER_TTL * 4) this.#callers.delete(caller);
    }
    const recent = [...this.#callers].filter(([, c]) =>
      now - c.seen < CALLER_TTL * 2
    );
    const exist = await Promise.all(
      recent.map(([caller]) =>
        this.#cmd.send<number>(["EXISTS", this.#keys.caller(caller)], options)
      ),
    );
    recent.forEach(([, state], i) => (state.alive = exist[i] === 1));
  }
}
