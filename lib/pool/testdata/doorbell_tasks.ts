// Exported task functions for lib/pool/pool_doorbell_test.ts (workers import
// this module by URL, so it must have no top-level effects).

/** Returns its argument as it arrived. */
export function echo<T>(value: T): T {
  return value;
}

/** Returns nothing. */
export function nothing(): void {}

/** Throws a RangeError. */
export function failRange(message: string): never {
  throw new RangeError(message);
}

/** The length of a string (to send one too big for the doorbell's slot). */
export function lengthOf(text: string): number {
  return text.length;
}

/** Resolves with `value` after `ms` (a task still outstanding meanwhile). */
export function later<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}
