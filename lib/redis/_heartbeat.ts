// Worker heartbeats: each worker keeps a key with its state (expiring three
// beats after the last one) and its id in the pool's worker set, so callers
// count live workers and what they run without asking any of them.

import type { Link, SendOptions } from "./_link.ts";
import type { PoolKeys } from "./_pool_options.ts";

/** Milliseconds between a worker's heartbeats. */
export const BEAT = 1_000;

/** What a worker says about itself in each heartbeat. */
export interface WorkerBeat {
  id: string;
  kind: string;
  concurrency: number;
  /** Tasks running now, by caller id. */
  running: Record<string, number>;
  completed: number;
  failed: number;
  modules: string[];
  draining: boolean;
}

/** Writes `beat` for BEAT × 3 ms. */
export async function writeBeat(
  link: Link,
  keys: PoolKeys,
  beat: WorkerBeat,
  options: SendOptions,
): Promise<void> {
  await Promise.all([
    link.send([
      "SET",
      keys.worker(beat.id),
      JSON.stringify(beat),
      "PX",
      String(BEAT * 3),
    ], options),
    link.send(["SADD", keys.workers, beat.id], options),
  ]);
}

/** Removes a worker's heartbeat (it stopped cleanly). */
export async function clearBeat(
  link: Link,
  keys: PoolKeys,
  id: string,
  options: SendOptions,
): Promise<void> {
  await Promise.all([
    link.send(["DEL", keys.worker(id)], options),
    link.send(["SREM", keys.workers, id], options),
  ]);
}

/** The live workers of a pool; forgets those whose heartbeat expired. */
export async function readWorkers(
  link: Link,
  keys: PoolKeys,
  options: SendOptions,
): Promise<WorkerBeat[]> {
  const ids = await link.send<string[]>(["SMEMBERS", keys.workers], options);
  if (ids.length === 0) return [];
  const beats = await link.send<(string | null)[]>(
    ["MGET", ...ids.map((id) => keys.worker(id))],
    options,
  );
  const live: WorkerBeat[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const beat = parse(beats[i]);
    if (beat) live.push(beat);
    else gone.push(id);
  });
  if (gone.length > 0) {
    link.send(["SREM", keys.workers, ...gone], options).catch(() => {});
  }
  return live;
}

// Anyone with write access could put anything there: only well-formed
// numbers are believed.
function parse(text: string | null): WorkerBeat | undefined {
  if (text === null) return undefined;
  try {
    const beat = JSON.parse(text) as WorkerBeat;
    const running: Record<string, number> = {};
    for (const [caller, n] of Object.entries(beat.running ?? {})) {
      if (Number.isSafeInteger(n)) running[caller] = n;
    }
    return {
      id: String(beat.id),
      kind: String(beat.kind),
      concurrency: Number.isSafeInteger(beat.concurrency)
        ? beat.concurrency
        : 0,
      running,
      completed: Number(beat.completed) || 0,
      failed: Number(beat.failed) || 0,
      modules: Array.isArray(beat.modules) ? beat.modules.map(String) : [],
      draining: beat.draining === true,
    };
  } catch {
    return undefined;
  }
}
