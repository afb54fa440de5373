// The hand-written baseline for bench/pool_bench.ts: one message in, one
// message out per task, nothing else.

// Typed by hand: this file is also checked along with main-thread modules.
const scope = self as unknown as {
  onmessage: (
    event: MessageEvent<{ id: number; a: number; b: number }>,
  ) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const { id, a, b } = event.data;
  scope.postMessage({ id, value: a + b });
};
