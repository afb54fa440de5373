// A plain Web Worker (not a Thread) for rlock_test.ts: it receives an RLock
// and reports whether it could take it.

import { decodeValue } from "../../_crossing/codec.ts";
import type { RLock } from "../rlock.ts";
import "../rlock.ts";

// Typed by hand: this file is also checked along with main-thread modules.
const scope = self as unknown as {
  onmessage: (event: MessageEvent) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (event: MessageEvent) => {
  const [rlock] = decodeValue(event.data) as RLock[];
  scope.postMessage(rlock.tryAcquire());
};
