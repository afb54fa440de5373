import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import {
  efficiency,
  formatMs,
  markdownTable,
  type Measurement,
  pivotTable,
  progressBar,
  seriesFor,
  speedup,
  toRows,
} from "./_report_math.ts";
import { parseOptions, UsageError } from "./_report_options.ts";
import { poolSizes } from "./_strategies.ts";
import { escapeXml, renderChart } from "./_svg.ts";

Deno.test("speedup() is baseline time over strategy time", () => {
  assertEquals(speedup(800, 200), 4);
  assertEquals(speedup(100, 400), 0.25);
  assertThrows(() => speedup(0, 10), RangeError);
  assertThrows(() => speedup(10, -1), RangeError);
});

Deno.test("efficiency() is speedup per worker", () => {
  assertEquals(efficiency(4, 4), 1);
  assertEquals(efficiency(1.9, 2), 0.95);
  assertEquals(efficiency(2, 8), 0.25);
  assertThrows(() => efficiency(2, 0), RangeError);
  assertThrows(() => efficiency(2, 1.5), RangeError);
});

Deno.test("poolSizes() is 1, cores/2, cores, 2×cores, 4×cores without repeats", async (t) => {
  const cases: [number, number[]][] = [
    [1, [1, 2, 4]],
    [2, [1, 2, 4, 8]],
    [3, [1, 3, 6, 12]],
    [8, [1, 4, 8, 16, 32]],
  ];
  for (const [cores, sizes] of cases) {
    await t.step(
      `${cores} cores`,
      () => assertEquals(poolSizes(cores), sizes),
    );
  }
});

const measurements: Measurement[] = [
  { workload: "cpu", strategy: "serial", size: null, ms: 800 },
  { workload: "cpu", strategy: "async", size: null, ms: 800 },
  { workload: "cpu", strategy: "thread pool", size: 1, ms: 820 },
  { workload: "cpu", strategy: "thread pool", size: 2, ms: 400 },
  { workload: "cpu", strategy: "thread pool", size: 4, ms: 410 },
  { workload: "cpu", strategy: "python serial", size: null, ms: 1000 },
  { workload: "cpu", strategy: "python ThreadPool", size: 2, ms: 1100 },
  { workload: "timer", strategy: "serial", size: null, ms: 320 },
  { workload: "timer", strategy: "async", size: null, ms: 20 },
  { workload: "timer", strategy: "thread pool", size: 4, ms: 80 },
  { workload: "http", strategy: "thread pool", size: 2, ms: 50 },
];

Deno.test("toRows() compares Deno strategies with serial and Python's with Python serial", () => {
  const rows = toRows(measurements);
  const find = (workload: string, strategy: string, size: number | null) =>
    rows.find((r) =>
      r.workload === workload && r.strategy === strategy && r.size === size
    )!;
  assertEquals(find("cpu", "thread pool", 2).speedup, 2);
  assertEquals(find("cpu", "thread pool", 2).efficiency, 1);
  assertEquals(find("cpu", "thread pool", 4).efficiency, 800 / 410 / 4);
  assertEquals(find("cpu", "serial", null).efficiency, 1);
  assertEquals(find("timer", "async", null).speedup, 16);
  assertEquals(find("timer", "async", null).efficiency, null);
  const py = find("cpu", "python ThreadPool", 2);
  assertEquals(py.baseline, "python serial");
  assertEquals(py.speedup, 1000 / 1100);
  // No serial run for http: nothing to compare with, so no row.
  assertEquals(rows.filter((r) => r.workload === "http").length, 0);
});

Deno.test("markdownTable() shows one row per strategy and size with time, speedup, efficiency", () => {
  const table = markdownTable(
    toRows(measurements).filter((r) => r.workload === "cpu"),
  );
  const lines = table.split("\n");
  assertEquals(
    lines[0],
    "| strategy | size | wall time | speedup | efficiency | vs |",
  );
  assertEquals(lines.length, 2 + 7);
  assert(
    lines.includes("| thread pool | 2 | 400 ms | 2.00× | 1.00 | serial |"),
    table,
  );
  assert(lines.includes("| async | — | 800 ms | 1.00× | — | serial |"), table);
  assert(
    lines.includes(
      "| python ThreadPool | 2 | 1.10 s | 0.91× | 0.45 | python serial |",
    ),
    table,
  );
});

Deno.test("formatMs() picks a readable unit", () => {
  assertEquals(formatMs(1.234), "1.2 ms");
  assertEquals(formatMs(123.4), "123 ms");
  assertEquals(formatMs(2345), "2.35 s");
});

Deno.test("progressBar() fills in proportion to the steps done", () => {
  assertEquals(progressBar(0, 4, 8, "start"), "[░░░░░░░░] 0/4 start");
  assertEquals(progressBar(1, 4, 8, "x"), "[██░░░░░░] 1/4 x");
  assertEquals(progressBar(4, 4, 8, "done"), "[████████] 4/4 done");
  assertEquals(progressBar(9, 4, 4, "over"), "[████] 9/4 over");
});

Deno.test("seriesFor() draws pools by size and async flat across all sizes", () => {
  const series = seriesFor(toRows(measurements), "timer", [1, 2, 4, 8]);
  assertEquals(series.map((s) => s.name), ["thread pool", "async"]);
  assertEquals(series[0].points, [[4, 4]]);
  assertEquals(series[1].points, [[1, 16], [2, 16], [4, 16], [8, 16]]);
});

/**
 * A small XML well-formedness check: every tag closes in order, attributes
 * are quoted, no stray `<` or `&` in text. Returns the start tags seen.
 */
function parseXml(
  xml: string,
): { name: string; attrs: Record<string, string> }[] {
  const tags: { name: string; attrs: Record<string, string> }[] = [];
  const stack: string[] = [];
  const token =
    /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let root = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < xml.length) {
    token.lastIndex = pos;
    m = token.exec(xml);
    if (!m) {
      throw new SyntaxError(
        `not well-formed at ${pos}: ${xml.slice(pos, pos + 40)}`,
      );
    }
    pos = token.lastIndex;
    const [, closing, name, attrText, selfClosing, text] = m;
    if (text !== undefined) {
      if (/&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/.test(text)) {
        throw new SyntaxError(`bare & in ${text}`);
      }
      if (stack.length === 0 && text.trim()) {
        throw new SyntaxError(`text outside the root: ${text}`);
      }
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new SyntaxError(`</${name}> closes <${open}>`);
      continue;
    }
    if (stack.length === 0 && root++ > 0) {
      throw new SyntaxError("more than one root element");
    }
    const attrs: Record<string, string> = {};
    for (const [, key, value] of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (key in attrs) {
        throw new SyntaxError(`duplicate attribute ${key} on <${name}>`);
      }
      attrs[key] = value;
    }
    tags.push({ name, attrs });
    if (!selfClosing) stack.push(name);
  }
  if (stack.length) throw new SyntaxError(`unclosed <${stack.join("> <")}>`);
  return tags;
}

Deno.test("the XML check used below rejects malformed documents", async (t) => {
  const bad = [
    "<svg><g></svg>",
    "<svg></g>",
    "<svg a=1></svg>",
    "<svg>a & b</svg>",
    "<svg/><svg/>",
    "<svg>",
  ];
  for (const doc of bad) {
    await t.step(doc, () => {
      assertThrows(() => parseXml(doc), SyntaxError);
    });
  }
  assertEquals(
    parseXml(`<svg a="1"><g><text>x &#60; y</text></g><line/></svg>`).length,
    4,
  );
});

Deno.test("renderChart() writes a well-formed SVG with every series, the ideal line and labelled axes", () => {
  const rows = toRows(measurements);
  const sizes = [1, 2, 4, 8];
  const svg = renderChart({
    title: "Speedup <vs> pool size & more",
    subtitle: "test machine",
    sizes,
    cores: 2,
    panels: ["cpu", "timer"].map((w) => ({
      title: w,
      series: seriesFor(rows, w, sizes).map((s) => ({
        ...s,
        color: "#123456",
      })),
    })),
  });
  const tags = parseXml(svg);
  assertEquals(tags[0].name, "svg");
  assertEquals(tags[0].attrs.xmlns, "http://www.w3.org/2000/svg");
  const series = tags.filter((t) =>
    t.name === "g" && t.attrs.class === "series"
  ).map((t) => t.attrs["data-name"]);
  assertEquals(series, [
    "thread pool",
    "async",
    "python ThreadPool",
    "thread pool",
    "async",
  ]);
  assertEquals(tags.filter((t) => t.attrs.class === "ideal").length, 2);
  assertEquals(tags.filter((t) => t.attrs.class === "panel").length, 2);
  assert(svg.includes("Speedup &#60;vs&#62; pool size &#38; more"));
  assert(svg.includes("pool size (workers)"));
  assert(svg.includes("speedup vs serial (×)"));
  assert(svg.includes("cores = 2"));
  for (
    const name of [
      "thread pool",
      "async",
      "python ThreadPool",
      "ideal (speedup = size)",
    ]
  ) {
    assert(svg.includes(`>${name}</text>`), `legend lacks ${name}`);
  }
});

Deno.test("escapeXml() escapes the five XML specials", () => {
  assertEquals(
    escapeXml(`<a href="x">'&'</a>`),
    "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;",
  );
});

Deno.test("pivotTable() puts speedup (efficiency) per size, flat for strategies without a pool", () => {
  const table = pivotTable(toRows(measurements), "cpu", [1, 2, 4], [
    "serial",
    "async",
    "thread pool",
    "process pool",
  ]);
  assertEquals(table.split("\n"), [
    "| strategy | size 1 | size 2 | size 4 |",
    "|---|---:|---:|---:|",
    "| serial | 1.00× | 1.00× | 1.00× |",
    "| async | 1.00× | 1.00× | 1.00× |",
    `| thread pool | 0.98× (0.98) | 2.00× (1.00) | 1.95× (0.49) |`,
  ]);
});

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

Deno.test("parseOptions(): the default is the demo; --full is the publication run", () => {
  const demo = parseOptions([])!;
  const full = parseOptions(["--full"])!;
  assertEquals(demo.full, false);
  assertEquals(full.full, true);
  assertEquals(demo.sections, ["figures", "strategies"]);
  assert(demo.params.span < full.params.span);
  assert(demo.rounds < full.rounds);
  assert(demo.figures.inFlight < full.figures.inFlight);
  assertEquals(full.figures.inFlight, 50_000);
  assertEquals(demo.figures.mapItems, 1_000_000);
  assertEquals(parseOptions(["--quick"])!.full, false);
  assertEquals(parseOptions(["--help"]), undefined);
  const lean = parseOptions(["--no-node", "--no-python", "--only", "figures"])!;
  assertEquals([lean.node, lean.python, lean.sections], [
    false,
    false,
    ["figures"],
  ]);
  assertEquals(parseOptions(["--sizes", "4,1,4"])!.sizes, [1, 4]);
  assertEquals(demo.figureIds, [
    "inflight",
    "latency",
    "map",
    "startup",
    "rss",
  ]);
  assertEquals(parseOptions(["--figures", "rss,map"])!.figureIds, [
    "map",
    "rss",
  ]);
  assertThrows(() => parseOptions(["--span="]), UsageError, "--span");
  assertThrows(() => parseOptions(["-x"]), UsageError, '"-x"');
});
