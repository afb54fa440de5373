// Which configuration a child Deno runs under: the deno.json (and lock file)
// the user's module would resolve its imports with.

/** Whether `url` names a local file. */
export function isLocal(url: string | undefined): url is string {
  return url?.startsWith("file:") ?? false;
}

/** The file path of a file: URL. */
export function localPath(url: string): string {
  return decodeURIComponent(new URL(url).pathname);
}

/**
 * `--config`/`--lock` flags so the child resolves imports like the user's
 * module would: the nearest deno.json(c) from the module's directory upward
 * (or from the working directory), else `--no-config`.
 */
export function configFlags(module: string | undefined): string[] {
  let dir: string;
  try {
    dir = module?.startsWith("file:") ? dirname(localPath(module)) : Deno.cwd();
  } catch {
    return ["--no-config", "--no-lock"];
  }
  for (let current = dir;; current = dirname(current)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const path = `${current}/${name}`;
      if (isFile(path)) {
        const lock = `${current}/deno.lock`;
        return [
          "--config",
          path,
          ...(isFile(lock) ? ["--lock", lock] : ["--no-lock"]),
        ];
      }
    }
    if (current === "/" || current === "") break;
  }
  return ["--no-config", "--no-lock"];
}

function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const index = trimmed.lastIndexOf("/");
  return index <= 0 ? "/" : trimmed.slice(0, index);
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
