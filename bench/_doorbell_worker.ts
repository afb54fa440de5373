// The worker side of bench/bounds_bench.ts's doorbell: it sleeps in
// Atomics.wait on cell 0 until the caller rings (stores a new sequence number
// and notifies), answers a + b through the shared cells, and rings back on
// cell 1. No message crosses once it is set up.

// Typed by hand: this file is also checked along with main-thread modules.
const scope = self as unknown as {
  onmessage: (event: MessageEvent<SharedArrayBuffer>) => void;
  postMessage(message: unknown): void;
};

/** Cells: 0 request seq, 1 reply seq, 2 a, 3 b, 4 result; seq -1 stops. */
scope.onmessage = (event) => {
  const cells = new Int32Array(event.data);
  scope.postMessage("ready");
  let seen = 0;
  for (;;) {
    Atomics.wait(cells, 0, seen);
    seen = Atomics.load(cells, 0);
    if (seen === -1) break;
    cells[4] = cells[2] + cells[3];
    Atomics.store(cells, 1, seen);
    Atomics.notify(cells, 1);
  }
  self.close();
};
