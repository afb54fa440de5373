// Shared by the examples that take flags: they parse them with @std/cli's
// parseArgs, which keeps a flag it was not told about instead of refusing it.

/**
 * The `unknown` option of `parseArgs`: refuses a flag or argument the example
 * does not take, so that a misspelt flag fails instead of leaving its default.
 */
export function refuseUnknown(arg: string): never {
  throw new TypeError(
    `Cannot parse the command line as this example takes no '${arg}': received ${
      Deno.args.join(" ")
    }. Its header comment lists the flags it takes.`,
  );
}
