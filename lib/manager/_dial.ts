// Dialling a manager: the client's options checked up front, then a TCP or
// TLS connection within the connect timeout, with errors that say what to
// check.

import { deadline } from "jsr:@std/async@^1.5.0/deadline";
import type { AuthKey } from "../_crossing/auth.ts";
import { DEFAULT_MAX_FRAME_SIZE } from "../_crossing/frames.ts";
import { TimeoutError } from "../errors/base.ts";
import { checkLimit } from "../_common/waiting.ts";
import type { ConnectOptions } from "./client.ts";
import {
  checkAuthKey,
  checkFrameSize,
  checkHostname,
  checkPort,
} from "./_options.ts";

export interface ConnectSettings {
  hostname: string;
  port: number;
  authkey: AuthKey;
  tls?: { caCerts?: string[] };
  timeout: number;
  callTimeout?: number;
  maxFrameSize: number;
}

export function checkConnectOptions(options: ConnectOptions): ConnectSettings {
  const who = "connect to manager";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${who} as its options must be an object { hostname, port, authkey }: received ${
        String(options)
      }`,
    );
  }
  const tls = options.tls === true ? {} : options.tls || undefined;
  if (tls !== undefined && typeof tls !== "object") {
    throw new TypeError(
      `Cannot ${who} as 'tls' must be true or { caCerts }: received ${
        String(options.tls)
      }`,
    );
  }
  return {
    hostname: checkHostname(options.hostname, who),
    port: checkPort(options.port, who, false),
    authkey: checkAuthKey(options.authkey, who),
    tls,
    // A connect that never gives up would hang a worker whose master never
    // comes: its timeout takes no "no limit" (-1), as handshakeTimeout.
    timeout: checkLimit(options.timeout, "timeout", who, false) ?? 10_000,
    callTimeout: checkLimit(options.callTimeout, "callTimeout", who),
    maxFrameSize: checkFrameSize(options.maxFrameSize, who) ??
      DEFAULT_MAX_FRAME_SIZE,
  };
}

export async function dial(
  settings: ConnectSettings,
  where: string,
): Promise<Deno.Conn> {
  const { hostname, port, tls } = settings;
  const connecting = open(hostname, port, tls);
  try {
    return await deadline(connecting, settings.timeout);
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      connecting.then((late) => late.close(), () => {});
      throw new TimeoutError(
        `Cannot connect to the manager at ${where}: no answer within ${settings.timeout} ms. Check the address and that the master is running.`,
      );
    }
    if (error instanceof Deno.errors.ConnectionRefused) {
      throw new Deno.errors.ConnectionRefused(
        `Cannot connect to the manager at ${where}: connection refused. Is the master running (started with manager.start()) on that port?`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function open(
  hostname: string,
  port: number,
  tls: { caCerts?: string[] } | undefined,
): Promise<Deno.Conn> {
  if (!tls) {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    return conn;
  }
  const conn = await Deno.connectTls({ hostname, port, caCerts: tls.caCerts });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}
