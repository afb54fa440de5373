// The Node.js peers of the pool benchmarks: piscina and tinypool on their own
// runtime. Run by bench/_peer.ts as `node --expose-gc node_pools.mjs`, after
// `npm install` in this folder (package.json pins the versions).
//
// One JSON request per stdin line, one JSON answer per stdout line:
//   {"op": "versions"}                               -> {"node", "piscina", "tinypool"}
//   {"op": "inflight", "pool", "size", "tasks"}      -> {"ms", "total"}  all tasks at once
//   {"op": "latency", "pool", "size", "tasks"}       -> {"ms", "total"}  one task at a time
//   {"op": "startup", "pool", "size"}                -> {"ms"}  new pool to `size` results
//   {"op": "teardown"}                               -> {}  destroys the pool "startup" made
//   {"op": "rss", "pool", "size"}                    -> {"bytesPerWorker"}  idle workers
// where "pool" is "piscina" or "tinypool". Pools of the first two ops are
// started (and warmed) on first use and kept; answers carry {"ok": true} or
// {"ok": false, "error"}. The process exits when stdin closes.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

// Loaded by a computed name: `deno check bench/` reads this file too, and the
// packages are in bench/peers/node_modules, not in Deno's module graph.
const load = (name) => import(name);
const { Piscina } = await load("piscina");
const { Tinypool } = await load("tinypool");

const TASKS = fileURLToPath(new URL("./node_tasks.mjs", import.meta.url));
const warm = new Map();
let started;

function create(pool, size, name = "add") {
  const options = {
    filename: TASKS,
    name,
    minThreads: size,
    maxThreads: size,
    idleTimeout: 600_000,
  };
  if (pool === "piscina") return new Piscina(options);
  if (pool === "tinypool") return new Tinypool(options);
  throw new Error(`unknown pool ${JSON.stringify(pool)}`);
}

/** Starts `size` workers: as many naps at once keep each worker busy in turn. */
async function startAll(p, size) {
  await Promise.all(
    Array.from({ length: size * 2 }, () => p.run(20, { name: "nap" })),
  );
}

async function warmPool(pool, size) {
  const key = `${pool} ${size}`;
  let p = warm.get(key);
  if (!p) {
    p = create(pool, size);
    warm.set(key, p);
    await startAll(p, size);
    for (let i = 0; i < 2000; i++) await p.run([i, 1]);
  }
  return p;
}

function version(name) {
  const url = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")).version;
}

function rss() {
  globalThis.gc?.();
  return process.memoryUsage().rss;
}

const ops = {
  versions() {
    return {
      node: process.versions.node,
      piscina: version("piscina"),
      tinypool: version("tinypool"),
    };
  },
  async inflight({ pool, size, tasks }) {
    const p = await warmPool(pool, size);
    const start = performance.now();
    const pending = new Array(tasks);
    for (let i = 0; i < tasks; i++) pending[i] = p.run([i, 1]);
    const results = await Promise.all(pending);
    const ms = performance.now() - start;
    return { ms, total: results.reduce((a, b) => a + b, 0) };
  },
  async latency({ pool, size, tasks }) {
    const p = await warmPool(pool, size);
    let total = 0;
    const start = performance.now();
    for (let i = 0; i < tasks; i++) total += await p.run([i, 1]);
    return { ms: performance.now() - start, total };
  },
  async startup({ pool, size }) {
    const start = performance.now();
    const p = create(pool, size);
    await Promise.all(Array.from({ length: size }, (_, i) => p.run([i, 1])));
    const ms = performance.now() - start;
    started = p;
    return { ms };
  },
  async teardown() {
    await started?.destroy();
    started = undefined;
    return {};
  },
  async rss({ pool, size }) {
    const before = rss();
    const p = create(pool, size);
    await startAll(p, size);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = rss();
    await p.destroy();
    return { bytesPerWorker: (after - before) / size };
  },
};

async function answer(line) {
  try {
    const request = JSON.parse(line);
    const op = ops[request.op];
    if (!op) throw new Error(`unknown op ${JSON.stringify(request.op)}`);
    return { ok: true, ...(await op(request)) };
  } catch (error) {
    return { ok: false, error: String(error?.stack ?? error) };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  process.stdout.write(JSON.stringify(await answer(line)) + "\n");
}
await ops.teardown();
await Promise.all([...warm.values()].map((p) => p.destroy()));
