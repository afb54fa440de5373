// `deno task demo -- --readme`: replaces the block between the README's
// bench markers with this run's goals, figures, summary and chart.

import { relative } from "node:path";
import { figuresMarkdown } from "./_report_figures.ts";
import type { Report } from "./_report_model.ts";
import { modeText, summary } from "./_report_render.ts";
import type { Workload } from "./workloads.ts";

export const README_BEGIN = "<!-- bench:begin -->";
export const README_END = "<!-- bench:end -->";

/** The README block for this run (markers included), before formatting. */
export function readmeBlock(
  report: Report,
  list: Workload[],
  files: { md: string; svg: string },
  root: string,
): string {
  const m = report.machine;
  const command = report.command.replace(
    "deno run -A bench/report.ts",
    "deno task demo --",
  );
  const md = relative(root, files.md);
  const lines = [
    README_BEGIN,
    "",
    `Measured by \`${command}\`, ${
      modeText(report)
    }, on ${report.date} (${m.cpu}, ${m.cores} cores, ` +
    `${m.memoryGiB} GiB, ${m.os}, Deno ${m.deno}${
      m.python ? `, Python ${m.python}` : ""
    }${m.node ? `, ${m.node}` : ""}). All tables: [${md}](${md}).`,
    "",
    ...report.notes.flatMap((note) => [`> ${note}`, ""]),
  ];
  if (report.figures.length > 0) {
    lines.push(figuresMarkdown(report.figures, report.goals, "####"), "");
  }
  if (report.measurements.length > 0) {
    lines.push(
      summary(report, list),
      "",
      `![Speedup vs pool size for CPU-bound and IO-bound work](${
        relative(root, files.svg)
      })`,
      "",
    );
  }
  lines.push(README_END);
  return lines.join("\n");
}

/** Splices `block` into README.md at `path` between the markers; throws without them. */
export async function updateReadme(path: string, block: string): Promise<void> {
  const formatted = await formatMarkdown(block);
  // Read, splice and write in one go: others edit the rest of the README.
  const text = await Deno.readTextFile(path);
  const begin = text.indexOf(README_BEGIN);
  const end = text.indexOf(README_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      `Cannot update ${path} as it has no ${README_BEGIN} ... ${README_END} block: add the two markers where the results belong.`,
    );
  }
  await writeAtomic(
    path,
    text.slice(0, begin) + formatted.trimEnd() +
      text.slice(end + README_END.length),
  );
}

/** Formats markdown as `deno fmt` would in README.md (tables aligned, prose wrapped). */
async function formatMarkdown(markdown: string): Promise<string> {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(markdown));
  await writer.close();
  const result = await out.output();
  if (!result.success) {
    throw new Error(
      `deno fmt could not format the README block: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  return new TextDecoder().decode(result.stdout);
}

/** Writes through a temp file and a rename, so a reader never sees half a file. */
export async function writeAtomic(
  path: string,
  content: string,
): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, content);
  await Deno.rename(tmp, path);
}
