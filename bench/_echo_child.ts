// A bare Deno child for bench/bounds_bench.ts's "process round trip" group:
// answers each 8-byte request [a, b] (two Int32) on stdin with a + b (one
// Int32) on stdout. No library code: the floor under a process pool's task.

// Given a path, it talks over that Unix socket instead (what a process
// pool's children use): the floor under its task over the same transport.

// A BYOB read hands the buffer back as a new one: keep the latest.
let buffer = new ArrayBuffer(8);
const answer = new Int32Array(1);
const socket = Deno.args[0];
const channel = socket
  ? await Deno.connect({ transport: "unix", path: socket })
  : { readable: Deno.stdin.readable, writable: Deno.stdout.writable };
const reader = channel.readable.getReader({ mode: "byob" });
const writer = channel.writable.getWriter();

for (;;) {
  let filled = 0;
  while (filled < 8) {
    const { value, done } = await reader.read(
      new Uint8Array(buffer, filled, 8 - filled),
    );
    if (done) Deno.exit(0);
    filled += value.byteLength;
    buffer = value.buffer;
  }
  const [a, b] = new Int32Array(buffer, 0, 2);
  answer[0] = a + b;
  await writer.write(new Uint8Array(answer.buffer.slice(0)));
}
