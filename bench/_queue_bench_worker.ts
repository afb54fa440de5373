// Worker side of bench/queue_bench.ts. Receives a role and, for the Queue
// roles, live queue handles; loops until terminated.
import "../lib/queue/queue.ts";
import type { Queue } from "../lib/queue/queue.ts";
import { decodeValue } from "../lib/_crossing/codec.ts";

type Role =
  | ["post"]
  | ["produce", Queue<number>, Queue<number>]
  | ["produceStrings", Queue<number>, Queue<string>]
  | ["consume", Queue<number>, Queue<number>, Queue<number>];

// Typed by hand: this file is also checked along with main-thread modules.
const scope = self as unknown as {
  onmessage: (event: MessageEvent) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = (event: MessageEvent) => {
  const role = decodeValue(event.data) as Role;
  switch (role[0]) {
    case "post":
      // Baseline: a bare postMessage stream, one message per item.
      scope.onmessage = (e: MessageEvent<number>) => {
        for (let i = 0; i < e.data; i++) scope.postMessage(i);
      };
      return;
    case "produce": {
      const [, ctrl, q] = role;
      for (;;) {
        const n = ctrl.getSync();
        for (let i = 0; i < n; i++) q.putSync(i);
      }
    }
    case "produceStrings": {
      const [, ctrl, q] = role;
      for (;;) {
        const n = ctrl.getSync();
        for (let i = 0; i < n; i++) q.putSync(`item ${i}`);
      }
    }
    case "consume": {
      const [, ctrl, q, done] = role;
      for (;;) {
        const n = ctrl.getSync();
        for (let i = 0; i < n; i++) q.getSync();
        done.putSync(n);
      }
    }
  }
};
