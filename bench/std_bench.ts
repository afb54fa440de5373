// Hand-written helpers on a hot path against the @std function that does the
// same job (issue 14: the library keeps its own code only where it is faster).
// Each group's baseline is the hand-written copy; compare the ratios of one run.
//
//   deno bench -A bench/std_bench.ts

import { abortable } from "@std/async/abortable";
import { TextLineStream } from "@std/streams/text-line-stream";
import { Event } from "../mod.ts";

// --- a parked wait that a signal can abort (lib/sync/_wait.ts) --------------

// The hand-written wrapper runAsync used around each Atomics.waitAsync park.
function abortableByHand<T>(
  waiting: Promise<T>,
  signal: AbortSignal,
): Promise<T | "aborted"> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    const onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    waiting.then((result) => {
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    });
  });
}

const signal = new AbortController().signal;

Deno.bench({
  group: "abortable park",
  name: "hand-written: resolve 'aborted' on abort",
  baseline: true,
  async fn() {
    await abortableByHand(Promise.resolve("ok"), signal);
  },
});

Deno.bench({
  group: "abortable park",
  name: "@std/async abortable(): reject with the reason",
  async fn() {
    try {
      await abortable(Promise.resolve("ok"), signal);
    } catch { /* aborted */ }
  },
});

// For scale: the whole parked wait the wrapper sits in (fast path missed,
// Atomics.waitAsync parks, keep-alive timer, notify, wake).
const event = new Event();

Deno.bench({
  group: "a parked Event.wait({ signal }), for scale",
  name: "Event.wait({ signal }) parked, then set() from this thread",
  baseline: true,
  async fn() {
    const waiting = event.wait({ signal });
    event.set();
    await waiting;
    event.clear();
  },
});

// --- lines of a command's output (lib/subprocess: Subprocess.lines()) -------

const LINE = "x".repeat(71) + "\n"; // 72 bytes, a typical log line
const CHUNK = new TextEncoder().encode(LINE.repeat(65536 / LINE.length));
const CHUNKS = 128; // 8 MiB in 64 KiB reads, as a pipe delivers them
const expected = CHUNKS * Math.floor(65536 / LINE.length);

function output(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < CHUNKS) controller.enqueue(CHUNK);
      else controller.close();
    },
  });
}

// The hand-written splitting of Subprocess.lines().
async function* linesByHand(stdout: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stdout) {
    rest += decoder.decode(chunk, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const line of parts) {
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
    }
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

function check(count: number): void {
  if (count !== expected) throw new Error(`${count} lines, not ${expected}`);
}

Deno.bench({
  group: "lines of 8 MiB",
  name: "hand-written: decode, split('\\n'), keep the rest",
  baseline: true,
  async fn() {
    let count = 0;
    for await (const _ of linesByHand(output())) count++;
    check(count);
  },
});

Deno.bench({
  group: "lines of 8 MiB",
  name: "@std/streams: TextDecoderStream + TextLineStream",
  async fn() {
    let count = 0;
    const lines = output().pipeThrough(new TextDecoderStream()).pipeThrough(
      new TextLineStream(),
    );
    for await (const _ of lines) count++;
    check(count);
  },
});
