// The tasks the Node.js peers (node_pools.mjs) run in their workers: the
// same tiny task as the Deno pools, taking its arguments as one array since
// piscina and tinypool pass one argument.

/** The tiny task: its cost is all overhead. */
export function add([a, b]) {
  return a + b;
}

/** Keeps a worker busy for `ms`, so that a burst of naps starts every worker. */
export function nap(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
}
