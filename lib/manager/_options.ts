// Up-front validation shared by the Manager and its client, so a bad option
// is reported by name before any socket is opened.

import type { AuthKey } from "../_crossing/auth.ts";

export function checkHostname(hostname: unknown, who: string): string {
  if (hostname === undefined) return "127.0.0.1";
  if (typeof hostname !== "string" || hostname === "") {
    throw new TypeError(
      `Cannot ${who} as 'hostname' must be a non-empty string (e.g. "127.0.0.1", or "0.0.0.0" to listen on every interface): received ${
        JSON.stringify(hostname)
      }`,
    );
  }
  return hostname;
}

export function checkPort(
  port: unknown,
  who: string,
  zeroAllowed: boolean,
): number {
  const low = zeroAllowed ? 0 : 1;
  if (
    typeof port !== "number" || !Number.isInteger(port) || port < low ||
    port > 65535
  ) {
    throw new TypeError(
      `Cannot ${who} as 'port' must be an integer from ${low} to 65535${
        zeroAllowed ? " (0 picks a free port)" : ""
      }: received ${String(port)}`,
    );
  }
  return port;
}

export function checkAuthKey(authkey: unknown, who: string): AuthKey {
  const ok = (typeof authkey === "string" || authkey instanceof Uint8Array) &&
    authkey.length > 0;
  if (!ok) {
    throw new TypeError(
      `Cannot ${who} as 'authkey' must be a non-empty string or Uint8Array (the same on master and workers): received ${
        authkey instanceof Uint8Array
          ? "an empty Uint8Array"
          : JSON.stringify(authkey) ?? String(authkey)
      }`,
    );
  }
  return authkey as AuthKey;
}

export function checkFrameSize(
  value: unknown,
  who: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 1024 ||
    value > 0xffffffff
  ) {
    throw new TypeError(
      `Cannot ${who} as 'maxFrameSize' must be an integer number of bytes from 1024 to 4294967295: received ${
        String(value)
      }`,
    );
  }
  return value;
}

export function checkCount(
  value: unknown,
  name: string,
  who: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TypeError(
      `Cannot ${who} as '${name}' must be a positive integer: received ${
        String(value)
      }`,
    );
  }
  return value;
}
