// The speedup chart as a standalone SVG: one panel per workload (pool size on
// a log2 x axis, speedup on a log2 y axis), the ideal line speedup = size,
// the core count marked, and one shared legend. No dependencies.

/** One line on a panel. */
export interface Series {
  /** Legend text. */
  name: string;
  /** Stroke colour. */
  color: string;
  /** SVG stroke-dasharray, for lines that are not pools (async, Python). */
  dash?: string;
  /** `[pool size, speedup]` points, in size order. */
  points: [number, number][];
}

/** One workload's plot. */
export interface Panel {
  /** Title above the plot. */
  title: string;
  /** Lines drawn on it. */
  series: Series[];
}

/** The whole figure. */
export interface Chart {
  /** Heading of the figure. */
  title: string;
  /** Second line: machine, parameters. */
  subtitle: string;
  /** Pool sizes measured (x ticks). */
  sizes: number[];
  /** Core count, marked with a vertical line. */
  cores: number;
  /** Panels, laid out two per row. */
  panels: Panel[];
}

const PANEL_W = 470;
const PANEL_H = 300;
const MARGIN = { left: 64, right: 20, top: 34, bottom: 52 };
const HEADER = 64;
const COLUMNS = 2;

/** Escapes text for use in SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the chart as an SVG document. */
export function renderChart(chart: Chart): string {
  const names = legendEntries(chart.panels);
  const rows = Math.ceil(chart.panels.length / COLUMNS);
  const legendRows = Math.ceil(names.length / 3);
  const width = COLUMNS * PANEL_W;
  const height = HEADER + rows * PANEL_H + legendRows * 22 + 24;
  const range = yRange(chart);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(width / 2, 24, chart.title, {
      size: 17,
      anchor: "middle",
      weight: "bold",
    }),
    text(width / 2, 44, chart.subtitle, {
      size: 12,
      anchor: "middle",
      fill: "#555555",
    }),
  ];
  chart.panels.forEach((panel, i) => {
    const x = (i % COLUMNS) * PANEL_W;
    const y = HEADER + Math.floor(i / COLUMNS) * PANEL_H;
    parts.push(renderPanel(panel, chart, range, x, y));
  });
  parts.push(renderLegend(names, HEADER + rows * PANEL_H + 8, width));
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

interface Range {
  lo: number;
  hi: number;
}

/** Powers of two around every speedup and the ideal line, shared by all panels. */
function yRange(chart: Chart): Range {
  const ys = chart.panels.flatMap((p) =>
    p.series.flatMap((s) => s.points.map(([, y]) => y))
  )
    .filter((y) => y > 0 && Number.isFinite(y));
  const lo = Math.min(0.5, ...ys);
  const hi = Math.max(...chart.sizes, ...ys, 2);
  return {
    lo: 2 ** Math.floor(Math.log2(lo)),
    hi: 2 ** Math.ceil(Math.log2(hi)),
  };
}

function renderPanel(
  panel: Panel,
  chart: Chart,
  range: Range,
  ox: number,
  oy: number,
): string {
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const left = ox + MARGIN.left;
  const top = oy + MARGIN.top;
  const xLo = Math.min(...chart.sizes);
  const xHi = Math.max(...chart.sizes);
  const sx = (v: number) =>
    left +
    (xHi === xLo ? w / 2 : (Math.log2(v / xLo) / Math.log2(xHi / xLo)) * w);
  const sy = (v: number) =>
    top + h -
    (Math.log2(Math.max(v, range.lo) / range.lo) /
        Math.log2(range.hi / range.lo)) * h;
  const out = [
    `<g class="panel">`,
    text(ox + PANEL_W / 2, oy + 20, panel.title, {
      size: 13,
      anchor: "middle",
      weight: "bold",
    }),
  ];
  out.push(
    `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#999999"/>`,
  );
  for (let v = range.lo; v <= range.hi; v *= 2) {
    out.push(
      `<line x1="${left}" y1="${f(sy(v))}" x2="${left + w}" y2="${
        f(sy(v))
      }" stroke="#eeeeee"/>`,
    );
    out.push(text(left - 6, sy(v) + 4, tickLabel(v), { anchor: "end" }));
  }
  for (const s of chart.sizes) {
    out.push(
      `<line x1="${f(sx(s))}" y1="${top + h}" x2="${f(sx(s))}" y2="${
        top + h + 5
      }" stroke="#999999"/>`,
    );
    out.push(text(sx(s), top + h + 18, String(s), { anchor: "middle" }));
  }
  if (chart.cores >= xLo && chart.cores <= xHi) {
    const cx = f(sx(chart.cores));
    out.push(
      `<line x1="${cx}" y1="${top}" x2="${cx}" y2="${
        top + h
      }" stroke="#bbbbbb" stroke-dasharray="2 3"/>`,
    );
    out.push(
      text(sx(chart.cores) + 4, top + h - 6, `cores = ${chart.cores}`, {
        fill: "#888888",
        size: 11,
      }),
    );
  }
  const idealEnd = Math.min(xHi, range.hi);
  out.push(
    `<line class="ideal" x1="${f(sx(xLo))}" y1="${f(sy(xLo))}" x2="${
      f(sx(idealEnd))
    }" y2="${
      f(sy(idealEnd))
    }" stroke="#aaaaaa" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  out.push(
    text(sx(idealEnd) - 4, sy(idealEnd) + 14, "ideal", {
      anchor: "end",
      fill: "#888888",
      size: 11,
    }),
  );
  for (const s of panel.series) out.push(renderSeries(s, sx, sy));
  out.push(
    text(left + w / 2, top + h + 36, "pool size (workers)", {
      anchor: "middle",
      fill: "#333333",
    }),
  );
  out.push(
    `<text x="${ox + 16}" y="${
      f(top + h / 2)
    }" text-anchor="middle" fill="#333333" transform="rotate(-90 ${ox + 16} ${
      f(top + h / 2)
    })">speedup vs serial (×)</text>`,
  );
  out.push("</g>");
  return out.join("\n");
}

function renderSeries(
  s: Series,
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  if (s.points.length === 0) return "";
  const coords = s.points.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(" ");
  const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
  const out = [
    `<g class="series" data-name="${escapeXml(s.name)}">`,
    `<polyline points="${coords}" fill="none" stroke="${s.color}" stroke-width="2.2"${dash}/>`,
  ];
  for (const [x, y] of s.points) {
    out.push(
      `<circle cx="${f(sx(x))}" cy="${
        f(sy(y))
      }" r="3.2" fill="${s.color}"><title>${
        escapeXml(`${s.name}, size ${x}: ${y.toFixed(2)}×`)
      }</title></circle>`,
    );
  }
  out.push("</g>");
  return out.join("\n");
}

function legendEntries(panels: Panel[]): Series[] {
  const seen = new Map<string, Series>();
  for (const p of panels) {
    for (const s of p.series) if (!seen.has(s.name)) seen.set(s.name, s);
  }
  return [...seen.values()];
}

function renderLegend(entries: Series[], top: number, width: number): string {
  const out = [`<g class="legend">`];
  const colW = (width - 40) / 3;
  const all = [...entries, {
    name: "ideal (speedup = size)",
    color: "#aaaaaa",
    dash: "6 4",
    points: [],
  }];
  all.forEach((s, i) => {
    const x = 20 + (i % 3) * colW;
    const y = top + Math.floor(i / 3) * 22;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    out.push(
      `<line x1="${x}" y1="${y + 8}" x2="${x + 28}" y2="${
        y + 8
      }" stroke="${s.color}" stroke-width="2.2"${dash}/>`,
    );
    out.push(text(x + 34, y + 12, s.name, {}));
  });
  out.push("</g>");
  return out.join("\n");
}

interface TextStyle {
  size?: number;
  anchor?: "start" | "middle" | "end";
  weight?: string;
  fill?: string;
}

function text(x: number, y: number, content: string, style: TextStyle): string {
  const attrs = [`x="${f(x)}"`, `y="${f(y)}"`];
  if (style.size) attrs.push(`font-size="${style.size}"`);
  if (style.anchor && style.anchor !== "start") {
    attrs.push(`text-anchor="${style.anchor}"`);
  }
  if (style.weight) attrs.push(`font-weight="${style.weight}"`);
  if (style.fill) attrs.push(`fill="${style.fill}"`);
  return `<text ${attrs.join(" ")}>${escapeXml(content)}</text>`;
}

function tickLabel(v: number): string {
  return v >= 1 ? `${v}×` : `1/${1 / v}×`;
}

function f(v: number): string {
  return Number(v.toFixed(1)).toString();
}
