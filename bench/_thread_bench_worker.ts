// Bare-Worker baseline for bench/thread_bench.ts: answer one message, like a
// thread running a trivial target.
self.onmessage = (event: MessageEvent<number>) => {
  self.postMessage(event.data + 1);
};
