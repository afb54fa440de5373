// Pool.map and Pool.imap [multiprocessing.Pool.map/imap]: count the primes
// below a limit in blocks on a thread pool, with a progress line while map
// runs, then the same blocks again with imap, printed in order as they come.
// `deno run -A examples/pool_map.ts [--limit 2000000] [--blocks 20]`
import { parseArgs } from "@std/cli/parse-args";
import { Pool, type PoolProgress } from "@multitask/core/pool";
import { refuseUnknown } from "./_flags.ts";

/** Counts the primes in `[lo, hi)` by trial division. */
export function countPrimes([lo, hi]: [number, number]): number {
  let count = 0;
  for (let n = Math.max(lo, 2); n < hi; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["limit", "blocks"],
    default: { limit: "2000000", blocks: "20" },
    unknown: refuseUnknown,
  });
  const limit = Number(flags.limit);
  const blocks = Number(flags.blocks);
  const step = Math.ceil(limit / blocks);
  const ranges = Array.from(
    { length: blocks },
    (_, i) => [i * step, Math.min(limit, (i + 1) * step)] as [number, number],
  );

  await using pool = new Pool({ module: import.meta.url });
  console.log(`map: ${blocks} blocks on ${pool.stats.maxSize} workers`);
  const progress = ({ done, total }: PoolProgress) =>
    console.log(
      `progress: ${done}/${total} blocks (${
        Math.round((100 * done) / total)
      }%)`,
    );
  const counts = await pool.map(countPrimes, ranges, {
    chunksize: 2,
    onProgress: progress,
  });
  const total = counts.reduce((a, b) => a + b, 0);
  console.log(`map: ${total} primes below ${limit}`);

  console.log("imap, in order as they are ready:");
  let index = 0;
  for await (const count of pool.imap(countPrimes, ranges)) {
    const [lo, hi] = ranges[index++];
    console.log(`  [${lo}, ${hi}): ${count} primes`);
  }
}
