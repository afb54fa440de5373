// What a Process and the process control channel cost.
// - "process start": Process start()+join() of a no-op target vs the bare
//   Deno.Command of an empty script (the floor: starting a Deno at all).
// - "1000 calls pipelined": child.invoke() of a+b in a child process vs the
//   same RPC over a Unix socket inside one process (no second process).
// These are the building blocks under the process pool (bar there: ≥ 48k
// tiny tasks/s, 1.5× Python's Pool.apply_async 32k/s).
// `deno bench -A bench/process_bench.ts`
import { startChild } from "../lib/process/_child.ts";
import { describeTarget } from "../lib/_crossing/target.ts";
import { RpcPeer } from "../lib/_crossing/rpc.ts";
import { Process } from "../lib/process/process.ts";

const targets =
  new URL("../lib/process/testdata/process_targets.ts", import.meta.url).href;
const { add } = await import(targets);
const emptyScript = await Deno.makeTempFile({ suffix: ".ts" });
const noop = function noop() {};

Deno.bench({
  group: "process start",
  name: "bare Deno.Command of an empty script",
  baseline: true,
  n: 20,
  warmup: 2,
  async fn() {
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", emptyScript],
    }).output();
  },
});

Deno.bench({
  group: "process start",
  name: "Process start() + join() of a no-op target",
  n: 20,
  warmup: 2,
  async fn() {
    const p = new Process({ target: noop });
    p.start();
    await p.join();
  },
});

const CALLS = 1000;
const spec = describeTarget(add, targets, "bench");
const children = await Promise.all(
  [1, 2].map((i) =>
    startChild({ name: `bench-${i}`, daemon: true, module: targets })
  ),
);

const dir = await Deno.makeTempDir();
const listener = Deno.listen({ transport: "unix", path: `${dir}/s` });
const [clientConn, serverConn] = await Promise.all([
  Deno.connect({ transport: "unix", path: `${dir}/s` }),
  listener.accept(),
]);
const client = new RpcPeer(clientConn, { unrefWhenIdle: true });
new RpcPeer(serverConn, {
  unrefWhenIdle: true,
  handler: (_method, params) => {
    const [a, b] = params as [number, number];
    return { ok: true, value: a + b };
  },
});
listener.close();

Deno.bench({
  group: "1000 calls pipelined",
  name: "RpcPeer over a Unix socket, same process",
  baseline: true,
  async fn() {
    const calls = [];
    for (let i = 0; i < CALLS; i++) calls.push(client.call("add", [i, 1]));
    await Promise.all(calls);
  },
});

Deno.bench({
  group: "1000 calls pipelined",
  name: "child.invoke(a+b), one child process",
  async fn() {
    const calls = [];
    for (let i = 0; i < CALLS; i++) {
      calls.push(children[0].invoke(spec, [i, 1]));
    }
    await Promise.all(calls);
  },
});

Deno.bench({
  group: "1000 calls pipelined",
  name: "child.invoke(a+b), two child processes",
  async fn() {
    const calls = [];
    for (let i = 0; i < CALLS; i++) {
      calls.push(children[i & 1].invoke(spec, [i, 1]));
    }
    await Promise.all(calls);
  },
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(emptyScript);
  Deno.removeSync(dir, { recursive: true });
});
