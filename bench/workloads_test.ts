import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import { startIoFixture } from "./_fixture.ts";
import {
  countPrimes,
  cpuTask,
  fileChecksum,
  fileContent,
  fileTask,
  PRIME_BASE,
  timerTask,
  workloads,
  type WorkParams,
} from "./workloads.ts";

Deno.test("countPrimes() agrees with the known prime-counting values", async (t) => {
  const cases: [number, number, number][] = [
    [0, 2, 0],
    [0, 3, 1],
    [2, 3, 1],
    [3, 4, 1],
    [0, 10, 4],
    [0, 100, 25],
    [0, 1000, 168],
    [0, 100_000, 9592],
    [100, 1000, 143],
    [PRIME_BASE, PRIME_BASE + 100, 2],
  ];
  for (const [lo, hi, expected] of cases) {
    await t.step(`primes in [${lo}, ${hi}) = ${expected}`, () => {
      assertEquals(countPrimes(lo, hi), expected);
    });
  }
});

Deno.test("cpuTask() shares of any task count add up to the serial count", async (t) => {
  const span = 30_000;
  const serial = countPrimes(PRIME_BASE, PRIME_BASE + span);
  for (const tasks of [1, 2, 3, 7, 16]) {
    await t.step(`${tasks} tasks`, () => {
      let total = 0;
      for (let i = 0; i < tasks; i++) total += cpuTask(i, tasks, span);
      assertEquals(total, serial);
    });
  }
});

Deno.test("cpuTask() splits the primes nearly evenly between tasks", () => {
  // Equal shares are what make the efficiency column meaningful.
  const span = 40_000;
  const tasks = 8;
  const shares = Array.from(
    { length: tasks },
    (_, i) => cpuTask(i, tasks, span),
  );
  const mean = shares.reduce((a, b) => a + b) / tasks;
  for (const share of shares) {
    assert(Math.abs(share - mean) < mean * 0.35, `${shares}`);
  }
});

Deno.test("fileContent() is the same for the same index and differs between indices", () => {
  assertEquals(fileContent(3, 5000), fileContent(3, 5000));
  assertNotEquals(fileContent(3, 5000), fileContent(4, 5000));
  assertEquals(fileContent(0, 12345).length, 12345);
});

Deno.test("fileTask() returns the checksum of the file it read", async () => {
  const path = await Deno.makeTempFile();
  try {
    const bytes = fileContent(7, 100_000);
    await Deno.writeFile(path, bytes);
    assertEquals(await fileTask(path), fileChecksum(bytes));
    assertNotEquals(fileChecksum(bytes), fileChecksum(fileContent(8, 100_000)));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("timerTask() resolves to its index", async () => {
  assertEquals(await Promise.all([timerTask(2, 1), timerTask(5, 0)]), [
    2,
    5,
  ]);
});

Deno.test("every workload run serially yields its expected total", async (t) => {
  const params: WorkParams = {
    tasks: 6,
    span: 20_000,
    delayMs: 1,
    fileBytes: 10_000,
  };
  await using env = await startIoFixture(params);
  for (const w of workloads(params, env)) {
    await t.step(w.id, async () => {
      let total = 0;
      for (let i = 0; i < params.tasks; i++) total += await w.fn(...w.args(i));
      assertEquals(total, w.expected());
    });
  }
});

Deno.test("the IO fixture deletes its temp files when disposed", async () => {
  const params: WorkParams = { tasks: 2, span: 0, delayMs: 0, fileBytes: 10 };
  let files: string[];
  {
    await using env = await startIoFixture(params);
    files = env.files;
    assertEquals((await Deno.stat(files[0])).size, 10);
  }
  await assertRejects(() => Deno.stat(files[0]), Deno.errors.NotFound);
});
