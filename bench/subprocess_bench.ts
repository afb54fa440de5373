// What the subprocess wrapper costs over Deno.Command itself.
// Bar (API.md): run(["true"]) ≤ 1.05× bare `new Deno.Command("true").output()`.
// `deno bench -A bench/subprocess_bench.ts`
import { run, spawn } from "../lib/subprocess/mod.ts";

const decoder = new TextDecoder();
// Many fixed iterations: one spawn is ~1 ms and the shared machine is noisy.
const N = 2000;
const WARMUP = 200;

Deno.bench({
  group: "run true",
  n: N,
  warmup: WARMUP,
  name: "bare Deno.Command output()",
  baseline: true,
  async fn() {
    await new Deno.Command("true").output();
  },
});

Deno.bench({
  group: "run true",
  n: N,
  warmup: WARMUP,
  name: 'run(["true"])',
  async fn() {
    await run(["true"]);
  },
});

// cleanup: false skips the spawn() that gives run() the pid it needs to kill
// the command if we exit first: Deno's Command.output() gives no pid, and
// spawn() then output() costs a few percent more.
Deno.bench({
  group: "run true",
  n: N,
  warmup: WARMUP,
  name: 'run(["true"], { cleanup: false })',
  async fn() {
    await run(["true"], { cleanup: false });
  },
});

// The baseline again, after run(): how far apart two identical benches land
// on this machine (the noise floor for the ratio above).
Deno.bench({
  group: "run true",
  n: N,
  warmup: WARMUP,
  name: "bare Deno.Command output() again (noise control)",
  async fn() {
    await new Deno.Command("true").output();
  },
});

Deno.bench({
  group: "run true",
  n: N / 10,
  warmup: WARMUP / 10,
  // Deno spawns a detached child on a slower path (fork + setsid): the price
  // of being able to kill the command's grandchildren on timeout.
  name: 'run(["true"], { timeout }) (own process group)',
  async fn() {
    await run(["true"], { timeout: 60_000 });
  },
});

Deno.bench({
  group: "run true",
  n: N / 4,
  warmup: WARMUP / 4,
  name: 'run(["true"], { timeout, startNewSession: false })',
  async fn() {
    await run(["true"], { timeout: 60_000, startNewSession: false });
  },
});

const INPUT = new TextEncoder().encode("b\na\nc\n");

Deno.bench({
  group: "cat with input",
  name: "bare Deno.Command spawn + write + output()",
  baseline: true,
  async fn() {
    const child = new Deno.Command("cat", {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(INPUT);
    await writer.close();
    const out = await child.output();
    decoder.decode(out.stdout);
  },
});

Deno.bench({
  group: "cat with input",
  name: 'run(["cat"], { input })',
  async fn() {
    await run(["cat"], { input: INPUT });
  },
});

Deno.bench({
  group: "cat with input",
  name: 'spawn(["cat"]).communicate(input)',
  async fn() {
    await using p = spawn(["cat"], { stdin: "piped" });
    await p.communicate(INPUT);
  },
});

// spawn().lines() is stdout through TextDecoderStream and @std/streams'
// TextLineStream; the baseline is the hand-written split it replaced.
const LINES = ["seq", "200000"];

async function* splitLines(stdout: ReadableStream<Uint8Array>) {
  const text = new TextDecoder();
  let rest = "";
  for await (const chunk of stdout) {
    rest += text.decode(chunk, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop()!;
    // A plain loop: yield* over an array awaits each item in an async generator.
    for (const line of parts) {
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
    }
  }
  rest += text.decode();
  if (rest) yield rest;
}

Deno.bench({
  group: "200k lines",
  name: "bare Deno.Command + hand-written split",
  baseline: true,
  async fn() {
    const child = new Deno.Command(LINES[0], {
      args: LINES.slice(1),
      stdout: "piped",
    }).spawn();
    for await (const _ of splitLines(child.stdout));
    await child.status;
  },
});

Deno.bench({
  group: "200k lines",
  name: "spawn().lines()",
  async fn() {
    await using p = spawn(LINES);
    for await (const _ of p.lines());
    await p.wait();
  },
});
