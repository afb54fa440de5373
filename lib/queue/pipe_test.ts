import {
  assertEquals,
  assertIsError,
  assertRejects,
  assertThrows,
  fail,
} from "@std/assert";
import { BrokenPipeError, EOFError, Pipe } from "./pipe.ts";
import { Empty, Queue } from "./queue.ts";
import { Process } from "../process/process.ts";
import { Thread } from "../thread/thread.ts";
import {
  echo,
  echoSync,
  recvForever,
  sendNumbers,
} from "./testdata/queue_targets.ts";

const targets = new URL("./testdata/queue_targets.ts", import.meta.url).href;

Deno.test("a duplex Pipe carries messages both ways, in order", async () => {
  const [a, b] = Pipe<unknown>();
  a.send(1);
  a.send({ two: [2] });
  b.send("back");
  assertEquals(await b.recv(), 1);
  assertEquals(await b.recv(), { two: [2] });
  assertEquals(await a.recv(), "back");
  assertEquals(a.readable && a.writable && b.readable && b.writable, true);
});

Deno.test("closing one end: the other drains, then gets EOFError, and its sends break", async () => {
  const [a, b] = Pipe<string>();
  a.send("last words");
  a.close();
  assertEquals(a.closed, true);
  assertEquals(await b.poll(), true);
  assertEquals(await b.recv(), "last words");
  assertEquals(await b.poll(), true); // EOF is readable
  await assertRejects(() => b.recv(), EOFError);
  assertThrows(() => b.send("anyone?"), BrokenPipeError);
  assertThrows(() => a.send("after close"), BrokenPipeError);
  await assertRejects(() => a.recv(), EOFError);
});

Deno.test("a one-way Pipe receives on the first end and sends on the second", async () => {
  const [reader, writer] = Pipe<number>({ duplex: false });
  assertEquals(reader.writable, false);
  assertEquals(writer.readable, false);
  writer.send(7);
  assertEquals(await reader.recv(), 7);
  assertIsError(
    assertThrows(() => reader.send(1)),
    Error,
    /only receives: send on the other end/,
  );
  assertIsError(
    await assertRejects(() => writer.recv()),
    Error,
    /only sends: receive on the other end/,
  );
});

Deno.test("recv times out with Empty, poll waits up to its timeout, and an aborted recv takes nothing", async () => {
  const [a, b] = Pipe<string>();
  await assertRejects(() => b.recv({ timeout: 5 }), Empty);
  assertEquals(await b.poll(), false);
  assertEquals(await b.poll(5), false);
  const polling = b.poll(10_000);
  a.send("now");
  assertEquals(await polling, true);
  assertEquals(await b.recv(), "now");
  const controller = new AbortController();
  const waiting = b.recv({ signal: controller.signal });
  controller.abort(new Error("gave up"));
  assertIsError(await assertRejects(() => waiting), Error, /gave up/);
  a.send("kept");
  assertEquals(await b.recv({ timeout: 1000 }), "kept");
});

Deno.test("Pipe refuses a message that cannot be cloned and sends nothing", async () => {
  const [a, b] = Pipe<unknown>();
  assertThrows(() => a.send({ f: () => 1 }), TypeError);
  assertEquals(await b.poll(), false);
});

Deno.test("Pipe options are validated and the blocking twins refuse the main thread", async (t) => {
  await t.step("duplex must be a boolean", () => {
    assertIsError(
      assertThrows(() => Pipe({ duplex: "no" as unknown as boolean })),
      Error,
      /'duplex' must be a boolean/,
    );
  });
  await t.step("recvSync / pollSync on the main thread", () => {
    const [a] = Pipe();
    assertIsError(
      assertThrows(() => a.recvSync()),
      Error,
      /would block the main thread/,
    );
    assertIsError(
      assertThrows(() => a.pollSync()),
      Error,
      /would block the main thread/,
    );
  });
  await t.step("negative timeout", async () => {
    const [a] = Pipe();
    await assertRejects(() => a.recv({ timeout: -2 }), RangeError);
  });
});

Deno.test("a worker thread answers over a Pipe with the blocking twins until EOF", async () => {
  const [mine, theirs] = Pipe<string>();
  const t = new Thread({ target: echoSync, module: targets, args: [theirs] });
  t.start();
  for (const word of ["alpha", "beta", "gamma"]) {
    mine.send(word);
    assertEquals(await mine.recv(), word.toUpperCase());
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
    assertEquals(await mine.recv(), word.toUpperCase());
  }
  mine.close();
  await p.join();
  assertEquals(p.exitCode, 0);
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
    if (n !== i) fail(`message ${i} arrived as ${n}`);
  }
  await assertRejects(() => mine.recv(), EOFError);
  await p.join();
  assertEquals(p.exitCode, 0);
  mine.close();
});

Deno.test("a message answered to a child killed while waiting in recv() is received again by the next reader", async () => {
  const [mine, theirs] = Pipe<string>();
  const status = new Queue<string>();
  const p = new Process({
    target: recvForever,
    module: targets,
    args: [theirs, status],
  });
  p.start();
  assertEquals(await status.get({ timeout: 30_000 }), "waiting");
  // Sent for its waiting recv, and the child dies in the same tick: the
  // answer never reaches it.
  mine.send("for the dead");
  await p.kill();
  assertEquals(await theirs.recv({ timeout: 10_000 }), "for the dead");
  mine.close();
  theirs.close();
});
