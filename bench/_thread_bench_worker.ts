// Bare-Worker baseline for bench/thread_bench.ts: answer one message, like a
// thread running a trivial target.

// Typed by hand: this file is also checked along with main-thread modules.
const scope = self as unknown as {
  onmessage: (event: MessageEvent<number>) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  scope.postMessage(event.data + 1);
};
