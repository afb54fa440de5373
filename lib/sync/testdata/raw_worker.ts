// A plain Web Worker (not a Thread) for rlock_test.ts: it receives an RLock
// and reports whether it could take it.

import { decodeValue } from "../../_transfer.ts";
import type { RLock } from "../rlock.ts";
import "../rlock.ts";

self.onmessage = (event: MessageEvent) => {
  const [rlock] = decodeValue(event.data) as RLock[];
  self.postMessage(rlock.tryAcquire());
};
