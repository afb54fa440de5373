// The report's progress on stderr: @std/cli's ProgressBar redrawn in place on
// a terminal; one plain line per step otherwise (a log or a pipe), so the
// output stays readable when stderr is not a TTY.

import { ProgressBar } from "@std/cli/unstable-progress-bar";
import { progressBar } from "./_report_math.ts";

/** How often the bar is redrawn on a terminal, in ms. */
const REDRAW_MS = 200;

/** Counts the report's steps and shows the one under way. */
export class Progress {
  #done = 0;
  #total: number;
  #label = "";
  #bar: ProgressBar | undefined;
  #encoder = new TextEncoder();
  #start = performance.now();
  #tty: boolean;

  constructor(total: number, tty: boolean = Deno.stderr.isTerminal()) {
    this.#total = total;
    this.#tty = tty;
  }

  /** The bar on a terminal, drawn from the first step whose total is known. */
  #terminalBar(): ProgressBar | undefined {
    if (!this.#tty || this.#total === 0) return undefined;
    this.#bar ??= new ProgressBar({
      max: this.#total,
      value: this.#done,
      barLength: 28,
      fillChar: "█",
      emptyChar: "░",
      clear: true,
      interval: REDRAW_MS,
      formatter: (f) =>
        `${f.styledTime} [${f.progressBar}] ${f.value}/${f.max} ${this.#label}`
          .slice(0, 110),
    });
    return this.#bar;
  }

  /** Total steps; it grows as each part learns its size. */
  get total(): number {
    return this.#total;
  }

  set total(total: number) {
    this.#total = total;
    if (this.#bar) this.#bar.max = total;
  }

  /** Shows what is under way. */
  show(label: string): void {
    this.#label = label;
    if (this.#tty) {
      this.#terminalBar();
      return;
    }
    const elapsed = ((performance.now() - this.#start) / 1000).toFixed(0);
    const line = progressBar(
      this.#done,
      this.#total,
      28,
      `${elapsed.padStart(3)} s  ${label}`,
    );
    Deno.stderr.writeSync(this.#encoder.encode(`${line}\n`));
  }

  /** Counts `count` steps done and shows `label`. */
  step(label: string, count = 1): void {
    this.#done += count;
    if (this.#bar) this.#bar.value = this.#done;
    this.show(label);
  }

  /** Removes the bar from the terminal. */
  async end(): Promise<void> {
    await this.#bar?.stop();
    this.#bar = undefined;
    this.#tty = false;
  }
}
