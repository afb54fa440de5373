// The entries pending under a worker's name in the pool's consumer group, as
// the server holds them: renewed while the worker runs them, taken over from
// workers that stopped (RECLAIM), taken back when a reply handing them out
// was lost, and handed back as the worker stops. The worker decides which
// entries are its own; this file only speaks to Redis.

import type { Buffer } from "node:buffer";
import type { Link, SendOptions } from "./_link.ts";
import { GROUP, type PoolKeys } from "./_pool_options.ts";
import { RECLAIM } from "./_worker_scripts.ts";

/** A task entry as XREADGROUP and XCLAIM give it: id and field list. */
export type Entry = [Buffer, Buffer[]];

/** Where a worker's claims are made: its link, the pool's keys, its name. */
export interface Claimant {
  cmd: Link;
  keys: PoolKeys;
  id: string;
}

/** What one RECLAIM gives: entries taken over, and this worker's own idle ones. */
export interface Reclaimed {
  /** Entries of stopped workers, now this one's, with their delivery count. */
  taken: [Buffer, Buffer[], number][];
  /** Entries pending under this worker's name past their visibilityTimeout. */
  own: [Buffer, number][];
}

/** Resets the idle time of the entries a worker holds, so none is taken over. */
export function renew(
  c: Claimant,
  entries: string[],
  options: SendOptions,
): Promise<unknown> {
  return c.cmd.send(
    ["XCLAIM", c.keys.tasks, GROUP, c.id, "0", ...entries, "JUSTID"],
    options,
  );
}

/**
 * Takes over up to `count` entries idle past their visibilityTimeout (at
 * least `minIdle` ms) from workers that stopped; worn-out ones go to the
 * dead letters in the same script.
 */
export async function reclaim(
  c: Claimant,
  minIdle: number,
  count: number,
  options: SendOptions,
): Promise<Reclaimed> {
  const [taken, own] = await c.cmd.send<
    [[Buffer, Buffer[], number][], [Buffer, number][]]
  >([
    "EVALSHA",
    RECLAIM.sha,
    "2",
    c.keys.tasks,
    c.keys.dead,
    GROUP,
    c.id,
    String(minIdle),
    "100",
    String(count),
  ], { ...options, binary: true });
  return { taken, own };
}

/**
 * Claims again, with their fields, entries pending under this worker that
 * it never received (`lost`: id and visibilityTimeout); XCLAIM's idle bound
 * leaves out any that were renewed meanwhile.
 */
export async function claimLost(
  c: Claimant,
  lost: (readonly [string, number])[],
  options: SendOptions,
): Promise<Entry[]> {
  const idle = Math.min(...lost.map(([, vt]) => vt));
  const claimed = await c.cmd.send<(Entry | null)[]>([
    "XCLAIM",
    c.keys.tasks,
    GROUP,
    c.id,
    String(idle),
    ...lost.map(([id]) => id),
  ], { ...options, binary: true });
  return claimed.filter((entry): entry is Entry => entry !== null);
}

/**
 * Entries still pending under a worker as it stops (handed to it as it
 * stopped reading, or abandoned by terminate()) are marked long idle, so
 * that other workers take them at their next beat instead of after their
 * visibilityTimeout. They stay pending, so nothing is lost if none runs.
 */
export async function handBack(
  c: Claimant,
  options: SendOptions,
): Promise<void> {
  const pending = await c.cmd.send<[string, string, number, number][]>(
    ["XPENDING", c.keys.tasks, GROUP, "-", "+", "1000", c.id],
    options,
  );
  if (pending.length === 0) return;
  await c.cmd.send([
    "XCLAIM",
    c.keys.tasks,
    GROUP,
    c.id,
    "0",
    ...pending.map(([id]) => String(id)),
    "IDLE",
    String(1e12),
    "JUSTID",
  ], options);
}
