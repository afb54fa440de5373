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

/** Checks that `signal` is an AbortSignal or undefined; `who` completes "Cannot <who>". */
export function checkSignal(
  signal: unknown,
  who: string,
): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new TypeError(
    `Cannot ${who} as 'signal' must be an AbortSignal: received ${typeof signal}`,
  );
}

/** Checks an optional boolean option (undefined reads as false); `who` completes "Cannot <who>". */
export function checkFlag(value: unknown, name: string, who: string): boolean {
  if (value === undefined || typeof value === "boolean") return value === true;
  throw new TypeError(
    `Cannot ${who} as '${name}' must be a boolean: received ${
      typeof value === "string" ? JSON.stringify(value) : String(value)
    }`,
  );
}
