// The permissions of a child Deno: the `deno run` flags asked for, checked
// against what this process holds, and the few a child always needs for its
// control channel.

import { isLocal, localPath } from "./_config.ts";

// This library's directory: a child reads codecs' modules from it on demand.
const LIBRARY = new URL("../", import.meta.url).href;

/** Deno permission kinds a child can be given. */
export const PERMISSION_KINDS = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  "import",
] as const;

/** One Deno permission kind. */
export type PermissionKind = typeof PERMISSION_KINDS[number];

/**
 * Permissions of a child: `"inherit"` (the parent's grants), `"none"`, or per
 * kind `true` (all), `false` (none) or a list (paths, hosts, names...); kinds
 * left out are inherited.
 */
export type ChildPermissions =
  | "inherit"
  | "none"
  | Partial<Record<PermissionKind, boolean | string[]>>;

/**
 * The `deno run` permission flags for a child, checked against what this
 * process holds. Throws a TypeError naming the kind the parent lacks.
 */
export function permissionFlags(
  permissions: ChildPermissions,
  who: string,
): string[] {
  const granted = new Set(
    PERMISSION_KINDS.filter((kind) =>
      Deno.permissions.querySync({ name: kind }).state === "granted"
    ),
  );
  if (permissions === "none") return [];
  if (permissions === "inherit") {
    if (granted.size === PERMISSION_KINDS.length) return ["--allow-all"];
    return [...granted].map((kind) => `--allow-${kind}`);
  }
  if (
    typeof permissions !== "object" || permissions === null ||
    Array.isArray(permissions)
  ) {
    throw new TypeError(
      `Cannot create ${who} as 'permissions' must be "inherit", "none" or an object like { read: true, net: ["example.com"] }: received ${
        JSON.stringify(permissions)
      }`,
    );
  }
  for (const key of Object.keys(permissions)) {
    if (!(PERMISSION_KINDS as readonly string[]).includes(key)) {
      throw new TypeError(
        `Cannot create ${who} as 'permissions' has unknown kind '${key}': use ${
          PERMISSION_KINDS.join(", ")
        }.`,
      );
    }
  }
  const flags: string[] = [];
  for (const kind of PERMISSION_KINDS) {
    const wanted = permissions[kind];
    if (wanted === undefined) {
      if (granted.has(kind)) flags.push(`--allow-${kind}`);
    } else if (wanted === true) {
      if (!granted.has(kind)) {
        throw new TypeError(
          `Cannot create ${who} as it asks for all '${kind}' permission, which this process does not have. Run the parent with --allow-${kind}, or narrow the request.`,
        );
      }
      flags.push(`--allow-${kind}`);
    } else if (Array.isArray(wanted)) {
      for (const item of wanted) requireGranted(kind, item, who);
      if (wanted.length) flags.push(`--allow-${kind}=${wanted.join(",")}`);
    } else if (wanted !== false) {
      throw new TypeError(
        `Cannot create ${who} as 'permissions.${kind}' must be true, false or a list of strings: received ${
          JSON.stringify(wanted)
        }`,
      );
    }
  }
  return flags;
}

function requireGranted(
  kind: PermissionKind,
  item: unknown,
  who: string,
): void {
  if (typeof item !== "string" || item === "") {
    throw new TypeError(
      `Cannot create ${who} as 'permissions.${kind}' must list non-empty strings: received ${
        JSON.stringify(item)
      }`,
    );
  }
  const descriptor = kind === "read" || kind === "write" || kind === "ffi"
    ? { name: kind, path: item }
    : kind === "net" || kind === "import"
    ? { name: kind, host: item }
    : kind === "env"
    ? { name: kind, variable: item }
    : kind === "run"
    ? { name: kind, command: item }
    : { name: kind, kind: item };
  if (
    Deno.permissions.querySync(descriptor as Deno.PermissionDescriptor)
      .state !== "granted"
  ) {
    throw new TypeError(
      `Cannot create ${who} as it asks for '${kind}' permission on '${item}', which this process does not have.`,
    );
  }
}

/**
 * The flags a child needs whatever its permissions: its control socket and
 * its handover `variables`, even when narrowed to nothing, and read access to
 * the target's module and this library's directory (dynamic imports of local
 * files need it; codecs' modules are loaded on demand).
 */
export function channelFlags(
  permissions: string[],
  socket: string,
  module: string | undefined,
  variables: readonly string[],
): string[] {
  if (permissions.includes("--allow-all")) return [];
  const flags: string[] = [];
  if (!permissions.includes("--allow-read")) {
    const readable = [
      socket,
      ...[module, LIBRARY].filter(isLocal).map(localPath),
    ];
    flags.push(`--allow-read=${readable.join(",")}`);
  }
  if (!permissions.includes("--allow-write")) {
    flags.push(`--allow-write=${socket}`);
  }
  if (!permissions.includes("--allow-net")) {
    flags.push(`--allow-net=unix:${socket}`);
  }
  if (!permissions.includes("--allow-env")) {
    flags.push(`--allow-env=${variables.join(",")}`);
  }
  return flags.map(mergeWith(permissions));
}

// `--allow-read=a` given twice is fine for Deno, but a narrowed list plus the
// socket dir must be one flag.
function mergeWith(permissions: string[]): (flag: string) => string {
  return (flag) => {
    const [name, value] = flag.split("=");
    const existing = permissions.find((p) => p.startsWith(`${name}=`));
    if (!existing) return flag;
    permissions.splice(permissions.indexOf(existing), 1);
    return `${existing},${value}`;
  };
}
