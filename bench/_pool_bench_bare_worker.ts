// The hand-written baseline for bench/pool_bench.ts: one message in, one
// message out per task, nothing else.

self.onmessage = (
  event: MessageEvent<{ id: number; a: number; b: number }>,
) => {
  const { id, a, b } = event.data;
  self.postMessage({ id, value: a + b });
};
