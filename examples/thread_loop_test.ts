import { assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("thread_loop.ts prints the Python tutorial's LoopThread output in order", async () => {
  const { code, lines, stderr } = await runExample("thread_loop");
  assertEquals(code, 0, stderr);
  assertEquals(lines, [
    "thread MainThread is running...",
    "thread LoopThread is running...",
    "thread LoopThread >>> 1",
    "thread LoopThread >>> 2",
    "thread LoopThread >>> 3",
    "thread LoopThread >>> 4",
    "thread LoopThread >>> 5",
    "thread LoopThread ended.",
    "thread MainThread ended.",
  ]);
});
