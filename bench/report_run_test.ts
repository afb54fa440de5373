// bench/report.ts run end to end, as `deno task demo` runs it: its files, its
// tables, its refusals.

import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Measurement } from "./_report_math.ts";
import { parseXml } from "./_xml_check.ts";

/** Runs bench/report.ts with `args`; returns its exit code, stdout and stderr. */
async function runReport(args: string[]) {
  const report = new URL("./report.ts", import.meta.url).pathname;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", report, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: run.code,
    stdout: new TextDecoder().decode(run.stdout),
    stderr: new TextDecoder().decode(run.stderr),
  };
}

Deno.test("report.ts runs every strategy, prints the tables and saves JSON, markdown and a well-formed SVG", async () => {
  const out = await Deno.makeTempDir();
  try {
    const run = await runReport([
      "--", // as `deno task demo -- --sizes ...` passes it
      "--only",
      "strategies",
      "--sizes",
      "1,2",
      "--tasks",
      "4",
      "--span",
      "4000",
      "--out",
      out,
      "--json",
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stderr, /\[█+\] \d+\/\d+ /); // the progress, one line per step
    assert(!run.stderr.includes("\x1b["), "no terminal codes when not a TTY");
    const printed = JSON.parse(run.stdout);
    const saved = JSON.parse(
      await Deno.readTextFile(`${out}/report_quick.json`),
    );
    assertEquals(printed, saved);
    assertEquals(saved.failures, []);
    assertEquals(saved.mode, "demo");
    assertEquals(saved.figures, []);
    assertMatch(
      saved.command,
      /^deno run -A bench\/report\.ts --only strategies --sizes 1,2 /,
    );
    assertEquals(saved.machine.cores, navigator.hardwareConcurrency);
    assertEquals(saved.params.sizes, [1, 2]);
    const names = new Set(
      saved.measurements.map((m: Measurement) =>
        `${m.workload} ${m.strategy} ${m.size}`
      ),
    );
    for (const w of ["cpu", "timer", "file", "http"]) {
      for (
        const s of [
          "serial null",
          "async null",
          "thread pool 1",
          "thread pool 2",
          "process pool 2",
          "piscina 2",
        ]
      ) {
        assert(names.has(`${w} ${s}`), `${w} ${s} missing`);
      }
      if (saved.machine.python) {
        assert(names.has(`${w} python ThreadPool 2`), `${w} python missing`);
      }
    }
    const markdown = await Deno.readTextFile(`${out}/report_quick.md`);
    assertMatch(markdown, /the demo run/);
    assertMatch(
      markdown,
      /\| thread pool \| 2 \| [\d.]+ m?s \| [\d.]+× \| [\d.]+ \| serial \|/,
    );
    assertMatch(markdown, /!\[.*\]\(report_quick\.svg\)/);
    const svg = parseXml(await Deno.readTextFile(`${out}/report_quick.svg`));
    assertEquals(svg.filter((t) => t.attrs.class === "panel").length, 4);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("report.ts measures pool figures against the peers on their own runtime and judges each goal", async () => {
  const out = await Deno.makeTempDir();
  try {
    // Two light figures keep the suite lean; between them they use every
    // kind of contender: warm pools, bare workers, start-ups, Node, Python.
    const run = await runReport([
      "--only",
      "figures",
      "--figures",
      "latency,startup",
      "--out",
      out,
      "--json",
    ]);
    assertEquals(run.code, 0, run.stderr);
    const saved = JSON.parse(
      await Deno.readTextFile(`${out}/report_quick.json`),
    );
    assertEquals(saved.failures, []);
    assertEquals(saved.measurements, []);
    assertEquals(
      saved.figures.map((f: { id: string }) => f.id),
      ["latency", "startup"],
    );
    const peers = {
      node: saved.machine.node !== null,
      python: saved.machine.python !== null,
    };
    const expected: Record<string, [string, keyof typeof peers | null][]> = {
      latency: [
        ["bare postMessage round trip", null],
        ["thread pool", null],
        ["process pool", null],
        ["tinypool (Node)", "node"],
        ["piscina (Node)", "node"],
        ["Python Pool (fork)", "python"],
      ],
      startup: [
        ["bare Web Workers", null],
        ["thread pool", null],
        ["process pool", null],
        ["piscina (Node)", "node"],
        ["Python Pool (fork)", "python"],
        ["Python Pool (spawn)", "python"],
      ],
    };
    for (const figure of saved.figures) {
      const names = figure.contenders.map((c: { name: string }) => c.name);
      const wanted = expected[figure.id].filter(([, runtime]) =>
        runtime === null || peers[runtime]
      ).map(([name]) => name);
      assertEquals(names.filter((n: string) => wanted.includes(n)), wanted);
      for (const c of figure.contenders) {
        assert(c.samples.length >= 1 && c.best > 0, `${figure.id} ${c.name}`);
      }
    }
    // Each goal of these figures is judged; only a missing peer leaves one open.
    assertEquals(saved.goals.length, 6);
    for (const g of saved.goals) {
      const needs = /\(Node\)/.test(g.text) ? peers.node : true;
      assertEquals(typeof g.met === "boolean", needs, g.text);
    }
    const markdown = await Deno.readTextFile(`${out}/report_quick.md`);
    assertMatch(markdown, /\| goal \| measured \| met \|/);
    assertMatch(
      markdown,
      /\| process pool ≤ 100 µs\/task \| [\d.]+ \| (yes|\*\*no\*\*) \|/,
    );
    assertMatch(
      markdown,
      /\| contender \| µs\/task \| × bare postMessage round trip \|\n\|---\|---:\|---:\|\n\| bare postMessage round trip \(baseline\) \| [\d.]+ \| 1\.00× \|/,
    );
    assertMatch(markdown, /\| thread pool \| [\d.]+ \| [\d.]+× \|/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("report.ts rejects an unknown flag or a bad value with its usage and exit code 2", async (t) => {
  for (
    const args of [
      ["--bogus"],
      ["--", "--sizes", "0,2"],
      ["--tasks", "many"],
      ["--only", "everything"],
      ["--figures", "latency,speed"],
      ["stray"],
    ]
  ) {
    await t.step(args.join(" "), async () => {
      const run = await runReport(args);
      assertEquals(run.code, 2);
      assertMatch(run.stderr, /Cannot .*\n\nUsage: deno task demo/);
    });
  }
});
