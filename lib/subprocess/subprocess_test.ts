import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertNotEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
  fail,
} from "@std/assert";
import {
  call,
  CalledProcessError,
  checkOutput,
  CommandNotFound,
  pipeline,
  run,
  spawn,
  SubprocessAbortError,
  TimeoutExpired,
} from "./mod.ts";
import { denoWith, gone, isDead, readUntil } from "./_test_procs.ts";

/** The error `promise` rejects with, checked to be an instance of `Class`. */
async function caught<E extends Error>(
  promise: Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  Class: new (...args: any[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert(error instanceof Class, `expected ${Class.name}, got ${error}`);
    return error;
  }
  fail(`expected ${Class.name}, but it resolved`);
}

const MiB = 1024 * 1024;
/**
 * Timeout for commands that must print before they are killed: long enough
 * for a shell to start and echo on a loaded machine. It only bounds the test.
 */
const SETTLE = 3000;

/** Bytes 0..255 repeated, so that reordering or loss shows in a comparison. */
function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 12)) & 0xff;
  return bytes;
}

Deno.test("run() captures exit code, stdout and stderr as text", async () => {
  const result = await run(["sh", "-c", "echo out; echo err >&2; exit 3"]);
  assertEquals(result, {
    args: ["sh", "-c", "echo out; echo err >&2; exit 3"],
    code: 3,
    signal: null,
    stdout: "out\n",
    stderr: "err\n",
    success: false,
  });
});

Deno.test("run() gives bytes with text: false, unchanged", async () => {
  const data = pattern(70_000);
  const result = await run(["cat"], { input: data, text: false });
  assert(result.stdout instanceof Uint8Array);
  assertEquals(result.stdout, data);
  assertEquals(result.stderr, new Uint8Array(0));
});

Deno.test("run() writes input to stdin and closes it", async () => {
  const result = await run(["sort"], { input: "pear\napple\nfig\n" });
  assertEquals(result.stdout, "apple\nfig\npear\n");
  assertEquals(result.code, 0);
});

Deno.test("run() passes cwd and env to the command", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const result = await run(["sh", "-c", 'pwd; echo "$GREETING"'], {
      cwd: dir,
      env: { GREETING: "ni hao" },
    });
    assertEquals(result.stdout, `${await Deno.realPath(dir)}\nni hao\n`);
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("run() leaves stdout and stderr empty when they are not piped", async () => {
  const result = await run(["sh", "-c", "echo hidden; echo hidden >&2"], {
    stdout: "null",
    stderr: "null",
  });
  assertEquals(result.stdout, "");
  assertEquals(result.stderr, "");
  assertEquals(result.success, true);
});

Deno.test("run() reports a signal death as minus the signal number", async () => {
  const result = await run(["sh", "-c", "kill -9 $$"]);
  assertEquals(result.code, -9);
  assertEquals(result.signal, "SIGKILL");
  assertEquals(result.success, false);
});

Deno.test("run() with check: true throws CalledProcessError carrying the output", async () => {
  const error = await caught(
    run(["sh", "-c", "echo partial; echo 'disk full' >&2; exit 4"], {
      check: true,
    }),
    CalledProcessError,
  );
  assertEquals(error.cmd, [
    "sh",
    "-c",
    "echo partial; echo 'disk full' >&2; exit 4",
  ]);
  assertEquals(error.code, 4);
  assertEquals(error.stdout, "partial\n");
  assertEquals(error.stderr, "disk full\n");
  assertMatch(error.message, /returned non-zero exit status 4/);
  assertMatch(error.message, /disk full/);
});

Deno.test("run() with check: true passes a successful result through", async () => {
  const result = await run(["echo", "fine"], { check: true });
  assertEquals(result.stdout, "fine\n");
});

Deno.test("run() drains 8 MiB on stdout and stderr while writing 8 MiB of input", async () => {
  // tee copies its input to stdout and to stderr as it reads it: if either
  // pipe were not drained while stdin is written, all three would block.
  const data = pattern(8 * MiB);
  const result = await run(["tee", "/dev/stderr"], {
    input: data,
    text: false,
    timeout: 120_000,
  });
  assertEquals(result.code, 0);
  assertEquals(result.stdout.length, data.length);
  assertEquals(result.stdout, data);
  assertEquals(result.stderr, data);
});

Deno.test("run() with stderr: 'stdout' keeps the exact order of alternating writes", async () => {
  const script =
    'i=1; while [ $i -le 300 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done';
  const result = await run(["sh", "-c", script], { stderr: "stdout" });
  const expected = Array.from(
    { length: 300 },
    (_, i) => `out ${i + 1}\nerr ${i + 1}\n`,
  ).join("");
  assertEquals(result.stdout, expected);
  assertEquals(result.stderr, "");
  assertEquals(result.code, 0);
});

Deno.test("run() with stderr: 'stdout' keeps the command's exit code and arguments intact", async () => {
  const result = await run([
    "sh",
    "-c",
    'printf "%s|" "$@"; exit 7',
    "x",
    "a b",
    "$HOME",
    "*",
  ], {
    stderr: "stdout",
  });
  assertEquals(result.stdout, "a b|$HOME|*|");
  assertEquals(result.code, 7);
});

Deno.test("a missing command raises CommandNotFound naming it", async (t) => {
  const cmd = ["definitely-not-a-command-xyz", "--flag"];
  const cases: [string, () => Promise<unknown>][] = [
    ["run()", () => run(cmd)],
    ["run() with timeout", () => run(cmd, { timeout: 60_000 })],
    ["run() with stderr: 'stdout'", () => run(cmd, { stderr: "stdout" })],
    ["call()", () => call(cmd)],
    ["checkOutput()", () => checkOutput(cmd)],
    ["pipeline()", () => pipeline(["echo", "x"], cmd)],
    [
      "pipeline() with stderr: 'stdout'",
      () => pipeline(["echo", "x"], cmd, { stderr: "stdout" }),
    ],
    ["spawn()", async () => {
      await using _ = spawn(cmd);
    }],
    ["spawn() with stderr: 'stdout', at wait()", async () => {
      await using p = spawn(cmd, { stderr: "stdout" });
      await p.wait();
    }],
  ];
  for (const [name, attempt] of cases) {
    await t.step(name, async () => {
      const error = await caught(attempt(), CommandNotFound);
      assertEquals(error.cmd, cmd);
      assertMatch(error.message, /'definitely-not-a-command-xyz'/);
    });
  }
});

Deno.test("a permission denial says which --allow-run is missing", async (t) => {
  await t.step("the command itself", async () => {
    const child = await denoWith(["--allow-run=sh"], `await run(["ls"]);`);
    assertNotEquals(child.code, 0);
    assertMatch(child.stderr, /NotCapable: Cannot run "ls".*--allow-run=ls/);
  });
  await t.step("sh, needed to merge stderr into stdout", async () => {
    const child = await denoWith(
      ["--allow-run=ls"],
      `await run(["ls"], { stderr: "stdout" });`,
    );
    assertNotEquals(child.code, 0);
    assertMatch(
      child.stderr,
      /NotCapable: Cannot run "sh".*stderr: "stdout".*--allow-run=sh/,
    );
  });
  await t.step("the command, even when sh is allowed for merging", async () => {
    const child = await denoWith(
      ["--allow-run=sh"],
      `await run(["ls"], { stderr: "stdout" });`,
    );
    assertNotEquals(child.code, 0);
    assertMatch(child.stderr, /NotCapable: Cannot run "ls".*--allow-run=ls/);
  });
  await t.step(
    "a narrow grant still times out (killing the command only)",
    async () => {
      const child = await denoWith(
        ["--allow-run=sh"],
        `const e = await run(["sh", "-c", "exec sleep 30"], { timeout: 200 }).catch((e) => e);
       if (e.name !== "TimeoutExpired") throw new Error("got " + e);`,
      );
      assertEquals(child.code, 0, child.stderr);
    },
  );
});

Deno.test("a timeout kills the whole process group, reaps it, and keeps the partial output", async () => {
  // The shell reports its own pid and its background grandchild's, then waits.
  const error = await caught(
    run(["sh", "-c", 'sleep 30 & echo "$$ $!"; echo >&2 warming; wait'], {
      timeout: SETTLE,
    }),
    TimeoutExpired,
  );
  assertEquals(error.timeout, SETTLE);
  assertEquals(error.cmd, [
    "sh",
    "-c",
    'sleep 30 & echo "$$ $!"; echo >&2 warming; wait',
  ]);
  assertEquals(error.stderr, "warming\n");
  const [shell, grandchild] = String(error.stdout).trim().split(" ").map(
    Number,
  );
  assert(
    shell > 0 && grandchild > 0,
    `pids in ${JSON.stringify(error.stdout)}`,
  );
  assert(isDead(shell), "the command was killed and reaped");
  assert(await gone(grandchild), "its background child was killed too");
  assertMatch(error.message, /timed out after 3000 ms and was killed/);
});

Deno.test("startNewSession decides whether the command leads its own process group", async (t) => {
  // Field 5 of /proc/<pid>/stat is the process group id.
  const script = "echo $$ $(cut -d' ' -f5 /proc/$$/stat)";
  const leads = async (
    options: { timeout?: number; startNewSession?: boolean },
  ) => {
    const { stdout } = await run(["sh", "-c", script], options);
    const [pid, pgid] = stdout.trim().split(" ");
    return pid === pgid;
  };
  await t.step(
    "not by default",
    async () => assertEquals(await leads({}), false),
  );
  await t.step(
    "yes with a timeout",
    async () => assertEquals(await leads({ timeout: 60_000 }), true),
  );
  await t.step(
    "yes when asked",
    async () => assertEquals(await leads({ startNewSession: true }), true),
  );
  await t.step(
    "not when declined, even with a timeout",
    async () =>
      assertEquals(
        await leads({ timeout: 60_000, startNewSession: false }),
        false,
      ),
  );
  await t.step(
    "a timeout still kills a command kept in our group",
    async () => {
      const error = await caught(
        run(["sh", "-c", "echo here; exec sleep 30"], {
          timeout: SETTLE,
          startNewSession: false,
        }),
        TimeoutExpired,
      );
      assertEquals(error.stdout, "here\n");
    },
  );
});

Deno.test("aborting the signal kills the process group and rejects with the output so far", async () => {
  const controller = new AbortController();
  const p = spawn(["sh", "-c", 'sleep 30 & echo "$$ $!"; wait'], {
    signal: controller.signal,
  });
  const head = await readUntil(p.stdout!, "\n");
  const reason = new Error("user pressed stop");
  controller.abort(reason);
  const error = await caught(p.communicate(), SubprocessAbortError);
  assertEquals(error.name, "AbortError");
  assertStrictEquals(error.cause, reason);
  assertEquals(p.returncode, -9);
  const [shell, grandchild] = head.trim().split(" ").map(Number);
  assert(
    isDead(shell) && isDead(grandchild),
    "the command and its child are gone",
  );
  await p[Symbol.asyncDispose]();
});

Deno.test("run() with an aborted signal rejects with SubprocessAbortError", async (t) => {
  await t.step("already aborted: nothing starts", async () => {
    const error = await caught(
      run(["sh", "-c", "echo should-not-run"], {
        signal: AbortSignal.abort("never mind"),
      }),
      SubprocessAbortError,
    );
    assertEquals(error.cause, "never mind");
    assertEquals(error.stdout, "");
  });
  await t.step("aborted while running: killed and reaped", async () => {
    const controller = new AbortController();
    const pending = run(["sleep", "30"], { signal: controller.signal });
    controller.abort();
    await caught(pending, SubprocessAbortError);
  });
});

Deno.test("call() returns the exit code", async () => {
  assertEquals(await call(["sh", "-c", "exit 5"]), 5);
  assertEquals(await call(["true"]), 0);
});

Deno.test("call() with a timeout throws TimeoutExpired", async () => {
  await assertRejects(
    () => call(["sleep", "30"], { timeout: 100 }),
    TimeoutExpired,
  );
});

Deno.test("checkOutput() returns stdout or throws CalledProcessError with stderr", async () => {
  assertEquals(await checkOutput(["echo", "hello"]), "hello\n");
  assertEquals(await checkOutput(["cat"], { input: "fed" }), "fed");
  const error = await caught(
    checkOutput(["sh", "-c", "echo nope >&2; exit 1"]),
    CalledProcessError,
  );
  assertEquals(error.stderr, "nope\n");
  assertEquals(error.code, 1);
});

Deno.test("spawn().communicate() sends input, collects output and sets returncode", async () => {
  await using p = spawn(["sh"], { stdin: "piped" });
  assertEquals(p.returncode, null);
  assert(p.pid > 0);
  const { stdout, stderr } = await p.communicate(
    "echo one\necho two >&2\nexit 6\n",
  );
  assertEquals(stdout, "one\n");
  assertEquals(stderr, "two\n");
  assertEquals(p.returncode, 6);
});

Deno.test("spawn().communicate() drains 8 MiB on both streams while writing 8 MiB", async () => {
  const data = pattern(8 * MiB);
  await using p = spawn(["tee", "/dev/stderr"], {
    stdin: "piped",
    text: false,
  });
  const { stdout, stderr } = await p.communicate(data, { timeout: 120_000 });
  assertEquals(stdout, data);
  assertEquals(stderr, data);
  assertEquals(p.returncode, 0);
});

Deno.test("spawn().communicate() with a timeout kills, reaps and keeps partial output", async () => {
  await using p = spawn(["sh", "-c", "echo begun; exec sleep 30"], {
    startNewSession: true,
  });
  const error = await caught(
    p.communicate(undefined, { timeout: SETTLE }),
    TimeoutExpired,
  );
  assertEquals(error.stdout, "begun\n");
  assertEquals(p.returncode, -9);
  assert(isDead(p.pid));
});

Deno.test("spawn().communicate() refuses input when stdin is not piped", async () => {
  await using p = spawn(["true"]);
  assertIsError(
    await assertRejects(() => p.communicate("data")),
    Error,
    /stdin: "piped"/,
  );
  await p.communicate();
  assertEquals(p.returncode, 0);
});

Deno.test("spawn().wait() returns the exit code; with a timeout it kills and reaps", async () => {
  {
    await using p = spawn(["sh", "-c", "exit 2"], {
      stdout: "null",
      stderr: "null",
    });
    assertEquals(await p.wait(), 2);
    assertEquals(p.returncode, 2);
  }
  {
    await using p = spawn(["sleep", "30"], { stdout: "null", stderr: "null" });
    await assertRejects(() => p.wait({ timeout: 100 }), TimeoutExpired);
    assertEquals(p.returncode, -9);
  }
});

Deno.test("spawn().lines() yields stdout lines as they come, and stops early on break", async () => {
  {
    await using p = spawn(["printf", "alpha\\nbeta\\r\\n\\ngamma"]);
    const lines: string[] = [];
    for await (const line of p.lines()) lines.push(line);
    assertEquals(lines, ["alpha", "beta", "", "gamma"]);
    assertEquals(await p.wait(), 0);
  }
  {
    await using p = spawn(["yes", "again"]);
    let seen = 0;
    for await (const line of p.lines()) {
      assertEquals(line, "again");
      if (++seen === 1000) break;
    }
    assertEquals(await p.wait(), -13, "yes got SIGPIPE once nobody read");
  }
});

Deno.test("spawn() exposes raw stdin/stdout streams, and null for streams not piped", async () => {
  await using p = spawn(["cat"], { stdin: "piped", stderr: "null" });
  assertEquals(p.stderr, null);
  const writer = p.stdin!.getWriter();
  await writer.write(new TextEncoder().encode("raw bytes"));
  await writer.close();
  assertEquals(await new Response(p.stdout).text(), "raw bytes");
  assertEquals(await p.wait(), 0);

  await using q = spawn(["true"], { stdout: "inherit", stderr: "stdout" });
  assertEquals(q.stdin, null);
  assertEquals(q.stdout, null);
  assertEquals(q.stderr, null);
  assertEquals(await q.wait(), 0);
});

Deno.test("terminate() sends SIGTERM and kill() SIGKILL; both are no-ops after exit", async () => {
  await using p = spawn(["sleep", "30"]);
  p.terminate();
  assertEquals(await p.wait(), -15);
  p.kill();
  p.terminate();
  assertEquals(p.returncode, -15);

  await using q = spawn(["sleep", "30"]);
  q.kill();
  assertEquals(await q.wait(), -9);

  await using r = spawn(["sleep", "30"]);
  r.kill("SIGINT");
  assertEquals(await r.wait(), -2);
});

Deno.test("await using kills and reaps a command that still runs", async () => {
  let pid = 0;
  {
    await using p = spawn(["sleep", "30"], { stdin: "piped" });
    pid = p.pid;
    assertEquals(isDead(pid), false);
  }
  assert(isDead(pid));
});

Deno.test("await using kills the whole group of a command started in a new session", async () => {
  let pids: number[] = [];
  {
    await using p = spawn(["sh", "-c", 'sleep 30 & echo "$$ $!"; wait'], {
      startNewSession: true,
    });
    for await (const line of p.lines()) {
      pids = line.split(" ").map(Number);
      break;
    }
  }
  assertEquals(pids.length, 2);
  assert(isDead(pids[0]), "the command was killed and reaped");
  assert(await gone(pids[1]), "its background child was killed too");
});

Deno.test("pipeline() runs a | b | c without a shell", async () => {
  const result = await pipeline(["tr", " ", "\\n"], ["sort"], ["uniq", "-c"], {
    input: "b a b c a b",
  });
  assertEquals(result.stdout.split("\n").map((l) => l.trim()), [
    "2 a",
    "3 b",
    "1 c",
    "",
  ]);
  assertEquals(result.codes, [0, 0, 0]);
  assertEquals(result.args, ["uniq", "-c"]);
  assertEquals(result.code, 0);
});

Deno.test("pipeline() moves large data between commands, as bytes with text: false", async () => {
  const data = pattern(4 * MiB);
  const result = await pipeline(["cat"], ["cat"], ["cat"], {
    input: data,
    text: false,
  });
  assertEquals(result.stdout, data);
});

Deno.test("pipeline() gives each exit code, and check names the failing command", async () => {
  const result = await pipeline(["sh", "-c", "echo x; exit 3"], ["cat"]);
  assertEquals(result.codes, [3, 0]);
  assertEquals(result.success, true);
  const error = await caught(
    pipeline(["sh", "-c", "echo oops >&2; exit 3"], ["cat"], { check: true }),
    CalledProcessError,
  );
  assertEquals(error.cmd, ["sh", "-c", "echo oops >&2; exit 3"]);
  assertEquals(error.code, 3);
  assertEquals(error.stderr, "oops\n");
});

Deno.test("pipeline() treats SIGPIPE of an early command as the normal end", async () => {
  const result = await pipeline(["yes"], ["head", "-n", "3"], { check: true });
  assertEquals(result.stdout, "y\ny\ny\n");
  assertEquals(result.codes[0], -13);
});

Deno.test("pipeline() collects every command's stderr in command order", async () => {
  const result = await pipeline(
    ["sh", "-c", "echo first >&2; echo data"],
    ["sh", "-c", "cat >/dev/null; echo second >&2"],
  );
  assertEquals(result.stderr, "first\nsecond\n");
  assertEquals(result.stdout, "");
});

Deno.test("pipeline() with a timeout kills every command", async () => {
  const error = await caught(
    pipeline(["sh", "-c", "echo start; exec sleep 30"], ["cat"], {
      timeout: SETTLE,
    }),
    TimeoutExpired,
  );
  assertEquals(error.stdout, "start\n");
});

Deno.test("options are validated before anything starts", async (t) => {
  const bad: [string, () => Promise<unknown>, RegExp][] = [
    [
      "a command string",
      () => run("ls -l" as unknown as string[]),
      /array of strings.*\["ls","-l"\]/,
    ],
    ["an empty command", () => run([]), /non-empty array/],
    [
      "a non-string argument",
      () => run(["echo", 1 as unknown as string]),
      /non-empty array of strings/,
    ],
    [
      "a negative timeout",
      () => run(["true"], { timeout: -2 }),
      /'timeout' must be a number of milliseconds >= 0.*received -2/,
    ],
    [
      "a NaN timeout",
      () => run(["true"], { timeout: NaN }),
      /'timeout' must be a number of milliseconds >= 0.*received NaN/,
    ],
    [
      "an unknown stdout",
      () => run(["true"], { stdout: "pipe" as "piped" }),
      /'stdout' must be one of "piped", "inherit", "null": received "pipe"/,
    ],
    [
      "an unknown option",
      () => run(["true"], { shell: true } as never),
      /'shell' is not one of its options/,
    ],
    [
      "input with stdin",
      () => run(["cat"], { input: "x", stdin: "null" }),
      /'input' and 'stdin' exclude each other/,
    ],
    [
      "env values that are not strings",
      () => run(["true"], { env: { N: 1 } as never }),
      /'env' must be an object of string values/,
    ],
    [
      "a non-boolean check",
      () => run(["true"], { check: "yes" } as never),
      /'check' must be true or false/,
    ],
    ["a pipeline of one", () => pipeline(["true"]), /at least two commands/],
    [
      "call() with check",
      () => call(["true"], { check: true } as never),
      /'check' is not one of its options/,
    ],
    ["wait() with a bad timeout", async () => {
      await using p = spawn(["true"]);
      await p.wait({ timeout: -0.5 });
    }, /'timeout' must be a number of milliseconds >= 0.*received -0.5/],
  ];
  for (const [name, attempt, message] of bad) {
    await t.step(name, async () => {
      assertIsError(await assertRejects(attempt), Error, message);
    });
  }
  await t.step("spawn() throws synchronously, starting nothing", () => {
    assertThrows(
      () => spawn(["true"], { stdin: "pipe" as "piped" }),
      TypeError,
    );
  });
});
