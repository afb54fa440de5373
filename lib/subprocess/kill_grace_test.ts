import { assertEquals, assertRejects } from "@std/assert";
import {
  run,
  spawn,
  type Subprocess,
  SubprocessAbortError,
  TimeoutExpired,
} from "./mod.ts";
import { gone, readUntil } from "./_test_procs.ts";

/** A shell that says "ready" once its TERM trap is set, then idles. */
const POLITE = [
  "sh",
  "-c",
  'trap "echo cleaned up; exit 3" TERM; echo ready; while :; do sleep 0.05; done',
];
/** A command that ignores SIGTERM (the disposition survives exec). */
const STUBBORN = ["sh", "-c", 'trap "" TERM; echo ready; exec sleep 30'];
/** Long enough for a shell to start and set its trap on a loaded machine. */
const SETTLE = 3000;

async function ready(p: Subprocess): Promise<void> {
  await readUntil(p.stdout!, "ready\n");
}

Deno.test("killGrace: a timeout sends SIGTERM first, so the command can clean up", async () => {
  const error = await assertRejects(
    () => run(POLITE, { timeout: SETTLE, killGrace: 60_000 }),
    TimeoutExpired,
  );
  assertEquals(error.stdout, "ready\ncleaned up\n");
});

Deno.test("without killGrace a timeout kills at once: no trap runs", async () => {
  const error = await assertRejects(
    () => run(POLITE, { timeout: SETTLE }),
    TimeoutExpired,
  );
  assertEquals(error.stdout, "ready\n");
});

Deno.test("killGrace: a command that ignores SIGTERM gets SIGKILL once the grace is over", async () => {
  await using p = spawn(STUBBORN, { killGrace: 50, startNewSession: true });
  await ready(p);
  await assertRejects(() => p.wait({ timeout: 1 }), TimeoutExpired);
  assertEquals(p.returncode, -9);
});

Deno.test("killGrace: wait({ timeout }) ends a polite command with its own exit code", async () => {
  await using p = spawn(POLITE, { killGrace: 60_000 });
  await ready(p);
  await assertRejects(() => p.wait({ timeout: 1 }), TimeoutExpired);
  assertEquals(p.returncode, 3);
});

Deno.test("killGrace: an abort sends SIGTERM to the whole group", async () => {
  const controller = new AbortController();
  await using p = spawn(
    ["sh", "-c", 'sleep 30 & echo "$!"; echo ready; wait'],
    { signal: controller.signal, killGrace: 60_000 },
  );
  const head = await readUntil(p.stdout!, "ready\n");
  controller.abort();
  await assertRejects(() => p.wait(), SubprocessAbortError);
  assertEquals(p.returncode, -15);
  const grandchild = Number(head.split("\n")[0]);
  assertEquals(await gone(grandchild), true, "SIGTERM reached the grandchild");
});

Deno.test("killGrace: await using terminates politely, then reaps", async () => {
  let p: Subprocess | undefined;
  {
    await using q = spawn(POLITE, { killGrace: 60_000 });
    p = q;
    await ready(q);
  }
  assertEquals(p.returncode, 3);
});

Deno.test("killGrace must be a number of milliseconds >= 0, shown as given", async (t) => {
  for (const bad of [-1, NaN, Infinity]) {
    await t.step(String(bad), async () => {
      await assertRejects(
        () => run(["true"], { killGrace: bad }),
        RangeError,
        `'killGrace' must be a number of milliseconds >= 0: received ${bad}.`,
      );
    });
  }
  await t.step("a string", async () => {
    await assertRejects(
      () => run(["true"], { killGrace: "5" as never }),
      TypeError,
      `received "5"`,
    );
  });
});
