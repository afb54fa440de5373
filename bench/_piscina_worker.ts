// piscina's worker file: piscina passes one argument and picks the export by
// the `name` run option, so each workload task is re-exported under its own
// name taking its arguments as one array.

import * as w from "./workloads.ts";

/** `cpuTask` for piscina. */
export function cpuTask(args: [number, number, number]): number {
  return w.cpuTask(...args);
}

/** `timerTask` for piscina. */
export function timerTask(args: [number, number]): Promise<number> {
  return w.timerTask(...args);
}

/** `fileTask` for piscina. */
export function fileTask(args: [string]): Promise<number> {
  return w.fileTask(...args);
}

/** `httpTask` for piscina. */
export function httpTask(args: [string, number]): Promise<number> {
  return w.httpTask(...args);
}
