// A bare worker that first loads the pool's module graph (bench/bounds_bench.ts
// "start-up" group): what importing the library costs a new isolate.

import "../lib/pool/mod.ts";

// Typed by hand: this file is also checked along with main-thread modules.
const scope = self as unknown as {
  onmessage: (event: MessageEvent<[number, number]>) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const [a, b] = event.data;
  scope.postMessage(a + b);
};
