// Argument checks shared by the public modules, so the same mistake gets the
// same message wherever it is made.

/**
 * Checks that `options` is an object (or undefined, read as `{}`); `who`
 * completes "Cannot <who>" in the error.
 */
export function checkOptions(
  options: unknown,
  who: string,
): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${who} as its options must be an object: received ${
        String(options)
      }`,
    );
  }
  return options as Record<string, unknown>;
}

/**
 * Throws a TypeError, worded by `refusal(reason)`, when `value` cannot be
 * structured-cloned: a handle in another process refuses it at the call
 * rather than failing later on the channel, after the caller moved on.
 */
export function checkCloneable(
  value: unknown,
  refusal: (reason: string) => string,
): void {
  const type = typeof value;
  if (type !== "object" && type !== "function" && type !== "symbol") return;
  if (value === null) return;
  try {
    structuredClone(value);
  } catch (error) {
    throw new TypeError(refusal((error as Error).message), { cause: error });
  }
}
