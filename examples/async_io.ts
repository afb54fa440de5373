// The Python tutorial's async IO lesson (000 "异步IO"): with the OS's asynchronous IO,
// ONE process with ONE thread can run many IO tasks at once; an event loop
// switches to whichever task's IO is ready (Nginx serves this way). Deno's
// whole runtime is such an event loop, so `async`/`await` is all it takes.
//
// Part 1 is asyncio's hello: two tasks each wait 1 s, yet together they take
// 1 s, and both run in the main thread. Part 2 is asyncio's wget: three
// requests over raw TCP (Deno.connect) whose headers arrive interleaved. The
// three "hosts" are a loopback Deno.serve answering after a delay, so the
// example needs no network.
//
//   deno run -A examples/async_io.ts [--seconds 1]

import { parseArgs } from "@std/cli/parse-args";
import { delay } from "@std/async/delay";
import { currentThread } from "@multitask/core/thread";
import { refuseUnknown } from "./_flags.ts";

/** Says hello, waits `seconds` without blocking the thread, says it again. */
export async function hello(seconds: number): Promise<void> {
  console.log(`Hello world! (${currentThread().name})`);
  await delay(seconds * 1000);
  console.log(`Hello again! (${currentThread().name})`);
}

/** Sends `GET /` for `host` over TCP to `port` and prints each header line. */
export async function wget(host: string, port: number): Promise<void> {
  console.log(`wget ${host}...`);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const header = `GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(header));
  } catch (error) {
    conn.close();
    throw error;
  }
  const lines = conn.readable.pipeThrough(new TextDecoderStream()).pipeThrough(
    splitLines(),
  )
    .getReader();
  try {
    while (true) {
      const { value: line, done } = await lines.read();
      if (done || line === "") break; // the blank line ends the headers
      console.log(`${host} header > ${line}`);
    }
  } finally {
    await lines.cancel(); // cancelling the stream closes the connection
  }
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\r\n");
      rest = parts.pop()!;
      for (const part of parts) controller.enqueue(part);
    },
  });
}

async function main(seconds: number): Promise<void> {
  const start = performance.now();
  await Promise.all([hello(seconds), hello(seconds)]);
  const took = (performance.now() - start) / 1000;
  console.log(
    `2 tasks waiting ${seconds} s each took ${took.toFixed(1)} s in one thread`,
  );

  // Each answer waits a different time, so the three finish out of order.
  const delays: Record<string, number> = {
    "www.sina.com.cn": 300,
    "www.sohu.com": 100,
    "www.163.com": 200,
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const host = request.headers.get("host") ?? "";
      await delay((delays[host] ?? 0) * seconds);
      return new Response(`welcome to ${host}\n`, {
        headers: { server: `loopback ${host}` },
      });
    },
  );
  try {
    await Promise.all(
      Object.keys(delays).map((host) => wget(host, server.addr.port)),
    );
  } finally {
    await server.shutdown();
  }
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["seconds"],
    default: { seconds: "1" },
    unknown: refuseUnknown,
  });
  await main(Number(flags.seconds));
}
