// A test helper shared by the Thread tests.
import { type ExceptHookArgs, Thread } from "../thread.ts";

/** Runs fn with Thread.excepthook collecting errors instead of printing them. */
export async function collectingErrors(
  fn: (seen: ExceptHookArgs[]) => Promise<void>,
): Promise<void> {
  const saved = Thread.excepthook;
  const seen: ExceptHookArgs[] = [];
  Thread.excepthook = (args) => seen.push(args);
  try {
    await fn(seen);
  } finally {
    Thread.excepthook = saved;
  }
}
