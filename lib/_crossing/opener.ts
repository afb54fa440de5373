// The one way a connection becomes a session: prove the key (auth.ts), then
// open the RPC session (session.ts) on the same connection. Used by the
// process parent and its child (Unix socket), and by the Manager and its
// clients (TCP, TLS). Until the peer proved the key the connection holds
// only small handshake buffers, so a crowd of silent or hostile connections
// costs little; the full buffers come with the session.

import {
  authenticateClient,
  authenticateServer,
  type AuthKey,
  type HandshakeOptions,
} from "./auth.ts";
import { FramedConn } from "./frames.ts";
import { RemoteSession, type SessionOptions } from "./session.ts";

// Room for the longest handshake message (256 bytes) and its length prefix,
// twice over: the peer may send its first RPC frame right behind its last
// handshake message.
const HANDSHAKE_BUFFER = 1024;

/** Options of openSession. */
export interface OpenSessionOptions extends SessionOptions, HandshakeOptions {
  /** Which side of the handshake this end plays: the one that accepted ("server") or dialled. */
  side: "client" | "server";
  /** Aborting it during the handshake closes the connection (openSession rejects). */
  signal?: AbortSignal;
}

/**
 * Authenticates a fresh connection (Unix, TCP or TLS) with `key`, then opens
 * a session on it. On a wrong key, garbage, silence past `timeout` or an
 * aborted `signal` it closes the connection and rejects (AuthenticationError
 * for anything the peer did).
 */
export async function openSession(
  conn: Deno.Conn,
  key: AuthKey,
  options: OpenSessionOptions,
): Promise<RemoteSession> {
  const frames = new FramedConn(conn, {
    maxFrameSize: options.maxFrameSize,
    bufferSize: HANDSHAKE_BUFFER,
  });
  const abort = () => frames.close();
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    if (options.side === "server") {
      await authenticateServer(frames, key, options);
    } else {
      await authenticateClient(frames, key, options);
    }
  } finally {
    options.signal?.removeEventListener("abort", abort);
  }
  frames.grow();
  return new RemoteSession(frames, options);
}
