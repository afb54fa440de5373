// What asCompleted() and wait() share: checking the caller's promises and
// options before anything waits.

/**
 * The distinct promises of `promises`, in order (Python's functions take a
 * set of futures: each one counts once). `who` completes "Cannot <who>".
 */
export function distinctPromises<P extends PromiseLike<unknown>>(
  promises: Iterable<P>,
  who: string,
): P[] {
  if (
    promises === null || typeof promises !== "object" ||
    typeof (promises as Partial<Iterable<P>>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cannot ${who} as 'promises' must be an iterable of promises (an array, a Set...): received ${
        describe(promises)
      }. For pool tasks, pass e.g. items.map((x) => pool.apply(fn, [x])).`,
    );
  }
  const unique = [...new Set(promises)];
  const bad = unique.findIndex((p) =>
    typeof (p as { then?: unknown })?.then !== "function"
  );
  if (bad >= 0) {
    throw new TypeError(
      `Cannot ${who} as item ${bad} is not a promise: received ${
        describe(unique[bad])
      }. Pass the promises themselves, not their results.`,
    );
  }
  return unique;
}

/** Checks that `options` is an object and has only `names`. */
export function checkNames(
  options: unknown,
  names: readonly string[],
  who: string,
): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot ${who} as its options must be an object: received ${
        describe(options)
      }.`,
    );
  }
  for (const name of Object.keys(options)) {
    if (!names.includes(name)) {
      throw new TypeError(
        `Cannot ${who} as '${name}' is not one of its options: use ${
          names.join(", ")
        }.`,
      );
    }
  }
}

function describe(value: unknown): string {
  if (value instanceof Promise) return "a single promise";
  if (typeof value === "function") {
    return `function ${value.name || "(anonymous)"}`;
  }
  return Deno.inspect(value, { depth: 1, breakLength: Infinity }).slice(0, 80);
}
