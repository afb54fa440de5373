// Run with --v8-flags=--expose-gc by lib/_remote_test.ts: a proxy the peer
// no longer references is collected, and the owner then forgets the object.
import { RemoteSession } from "../session.ts";
import { Tally } from "../../process/testdata/process_targets.ts";
import { loopbackPair } from "./loopback.ts";

const gc = (globalThis as unknown as { gc: () => void }).gc;
const [a, b, listener] = await loopbackPair();
listener.close();
let kept: unknown;
const owner = new RemoteSession(a);
const peer = new RemoteSession(b, {
  handler: async (method, params) => {
    const [tally] = params as [{ add(n: number): Promise<number> }];
    const total = await tally.add(1);
    if (method === "keep") kept = tally;
    return total;
  },
});
const tallies = [new Tally(), new Tally(), new Tally()];
for (const tally of tallies) await owner.call("use", [tally]);
await owner.call("use", [tallies[0]]); // exported twice: one id, two markers
await owner.call("keep", [tallies[1]]);
console.log(`exported ${owner.table.size}`);
for (let i = 0; i < 100 && owner.table.size > 1; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(`after gc ${owner.table.size}`);
console.log(
  `kept still works ${await (kept as { add(n: number): Promise<number> }).add(
    1,
  )}`,
);
owner.close();
peer.close();
await peer.closed;
