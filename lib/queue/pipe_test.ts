import assert from "node:assert/strict";
import { BrokenPipeError, EOFError, Pipe } from "./pipe.ts";
import { Empty } from "./queue.ts";
import { Process } from "../process/process.ts";
import { Thread } from "../thread/thread.ts";
import { echo, echoSync, sendNumbers } from "./testdata/queue_targets.ts";

const targets = new URL("./testdata/queue_targets.ts", import.meta.url).href;

Deno.test("a duplex Pipe carries messages both ways, in order", async () => {
  const [a, b] = Pipe<unknown>();
  a.send(1);
  a.send({ two: [2] });
  b.send("back");
  assert.equal(await b.recv(), 1);
  assert.deepEqual(await b.recv(), { two: [2] });
  assert.equal(await a.recv(), "back");
  assert.equal(a.readable && a.writable && b.readable && b.writable, true);
});

Deno.test("closing one end: the other drains, then gets EOFError, and its sends break", async () => {
  const [a, b] = Pipe<string>();
  a.send("last words");
  a.close();
  assert.equal(a.closed, true);
  assert.equal(await b.poll(), true);
  assert.equal(await b.recv(), "last words");
  assert.equal(await b.poll(), true); // EOF is readable
  await assert.rejects(b.recv(), EOFError);
  assert.throws(() => b.send("anyone?"), BrokenPipeError);
  assert.throws(() => a.send("after close"), BrokenPipeError);
  await assert.rejects(a.recv(), EOFError);
});

Deno.test("a one-way Pipe receives on the first end and sends on the second", async () => {
  const [reader, writer] = Pipe<number>({ duplex: false });
  assert.equal(reader.writable, false);
  assert.equal(writer.readable, false);
  writer.send(7);
  assert.equal(await reader.recv(), 7);
  assert.throws(() => reader.send(1), /only receives: send on the other end/);
  await assert.rejects(writer.recv(), /only sends: receive on the other end/);
});

Deno.test("recv times out with Empty, poll waits up to its timeout, and an aborted recv takes nothing", async () => {
  const [a, b] = Pipe<string>();
  await assert.rejects(b.recv({ timeout: 5 }), Empty);
  assert.equal(await b.poll(), false);
  assert.equal(await b.poll(5), false);
  const polling = b.poll(10_000);
  a.send("now");
  assert.equal(await polling, true);
  assert.equal(await b.recv(), "now");
  const controller = new AbortController();
  const waiting = b.recv({ signal: controller.signal });
  controller.abort(new Error("gave up"));
  await assert.rejects(waiting, /gave up/);
  a.send("kept");
  assert.equal(await b.recv({ timeout: 1000 }), "kept");
});

Deno.test("Pipe refuses a message that cannot be cloned and sends nothing", async () => {
  const [a, b] = Pipe<unknown>();
  assert.throws(() => a.send({ f: () => 1 }), TypeError);
  assert.equal(await b.poll(), false);
});

Deno.test("Pipe options are validated and the blocking twins refuse the main thread", async (t) => {
  await t.step("duplex must be a boolean", () => {
    assert.throws(
      () => Pipe({ duplex: "no" as unknown as boolean }),
      /'duplex' must be a boolean/,
    );
  });
  await t.step("recvSync / pollSync on the main thread", () => {
    const [a] = Pipe();
    assert.throws(() => a.recvSync(), /would block the main thread/);
    assert.throws(() => a.pollSync(), /would block the main thread/);
  });
  await t.step("negative timeout", async () => {
    const [a] = Pipe();
    await assert.rejects(a.recv({ timeout: -1 }), RangeError);
  });
});

Deno.test("a worker thread answers over a Pipe with the blocking twins until EOF", async () => {
  const [mine, theirs] = Pipe<string>();
  const t = new Thread({ target: echoSync, module: targets, args: [theirs] });
  t.start();
  for (const word of ["alpha", "beta", "gamma"]) {
    mine.send(word);
    assert.equal(await mine.recv(), word.toUpperCase());
  }
  mine.close();
  await t.join();
});

Deno.test("a child process answers over a Pipe until EOF", async () => {
  const [mine, theirs] = Pipe<string>();
  const p = new Process({ target: echo, module: targets, args: [theirs] });
  p.start();
  for (const word of ["one", "two"]) {
    mine.send(word);
    assert.equal(await mine.recv(), word.toUpperCase());
  }
  mine.close();
  await p.join();
  assert.equal(p.exitCode, 0);
});

Deno.test("10k messages from a child process arrive in order, then EOF", async () => {
  const [mine, theirs] = Pipe<number>();
  const p = new Process({
    target: sendNumbers,
    module: targets,
    args: [theirs, 10_000],
  });
  p.start();
  for (let i = 0; i < 10_000; i++) {
    const n = await mine.recv();
    if (n !== i) assert.fail(`message ${i} arrived as ${n}`);
  }
  await assert.rejects(mine.recv(), EOFError);
  await p.join();
  assert.equal(p.exitCode, 0);
  mine.close();
});
