import { assert, assertEquals, assertThrows } from "@std/assert";
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
import { parseXml } from "./_xml_check.ts";

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
