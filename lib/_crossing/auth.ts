// Mutual HMAC-SHA256 challenge-response, modelled on Python 3.12's
// multiprocessing.connection: each side sends a random challenge prefixed by
// the digest name ("{sha256}"), the other answers with "{sha256}" + HMAC(key,
// challenge), and the challenger replies #WELCOME# or #FAILURE#. The server
// challenges first, then the client challenges the server, so both prove the
// key and neither reveals it. Runs on raw frames before any RPC message.

import type { FramedConn } from "./frames.ts";
import { AuthenticationError } from "../errors/connection.ts";

export { AuthenticationError };

const CHALLENGE = bytes("#CHALLENGE#");
const WELCOME = bytes("#WELCOME#");
const FAILURE = bytes("#FAILURE#");
const DIGEST = bytes("{sha256}");
const NONCE_LENGTH = 40;
const HANDSHAKE_LIMIT = 256; // no handshake message is longer
const DEFAULT_TIMEOUT = 10_000;

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Options of a handshake. */
export interface HandshakeOptions {
  /** Milliseconds the whole exchange may take (default 10 s); then the connection is closed. */
  timeout?: number;
}

/** A key as given by users: text (UTF-8) or raw bytes. */
export type AuthKey = string | Uint8Array;

// Imported keys by the bytes they came from: a server authenticating many
// connections with one key imports it once.
const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function hmacKey(key: AuthKey): Promise<CryptoKey> {
  const raw = typeof key === "string" ? bytes(key) : key;
  if (raw.length === 0) {
    return Promise.reject(
      new TypeError(
        "The authentication key is empty: pass a non-empty string or Uint8Array.",
      ),
    );
  }
  let cryptoKey = imported.get(raw);
  if (!cryptoKey) {
    cryptoKey = crypto.subtle.importKey(
      "raw",
      raw as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    imported.set(raw, cryptoKey);
  }
  return cryptoKey;
}

/** Runs the server side: challenge the client, then answer its challenge. Closes on failure. */
export async function authenticateServer(
  frames: FramedConn,
  key: AuthKey,
  options: HandshakeOptions = {},
): Promise<void> {
  await guarded(frames, options, async (cryptoKey) => {
    await deliverChallenge(frames, cryptoKey);
    await answerChallenge(frames, cryptoKey);
  }, key);
}

/** Runs the client side: answer the server's challenge, then challenge it. Closes on failure. */
export async function authenticateClient(
  frames: FramedConn,
  key: AuthKey,
  options: HandshakeOptions = {},
): Promise<void> {
  await guarded(frames, options, async (cryptoKey) => {
    await answerChallenge(frames, cryptoKey);
    await deliverChallenge(frames, cryptoKey);
  }, key);
}

async function guarded(
  frames: FramedConn,
  options: HandshakeOptions,
  exchange: (key: CryptoKey) => Promise<void>,
  key: AuthKey,
): Promise<void> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    frames.close();
  }, timeout);
  try {
    await exchange(await hmacKey(key));
  } catch (error) {
    frames.close();
    if (timedOut) {
      throw new AuthenticationError(
        `The authentication handshake did not finish within ${timeout} ms.`,
      );
    }
    if (error instanceof AuthenticationError || error instanceof TypeError) {
      throw error;
    }
    throw new AuthenticationError(
      `The authentication handshake failed: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

async function receive(frames: FramedConn): Promise<Uint8Array> {
  const frame = await frames.readFrame(HANDSHAKE_LIMIT);
  if (frame === null) {
    throw new AuthenticationError(
      "The peer closed the connection during the authentication handshake (it probably uses a different key).",
    );
  }
  return frame.slice();
}

async function deliverChallenge(
  frames: FramedConn,
  key: CryptoKey,
): Promise<void> {
  const message = concat(
    DIGEST,
    crypto.getRandomValues(new Uint8Array(NONCE_LENGTH)),
  );
  frames.sendPayload(concat(CHALLENGE, message));
  const response = await receive(frames);
  const ok = startsWith(response, DIGEST) &&
    await crypto.subtle.verify(
      "HMAC",
      key,
      response.subarray(DIGEST.length) as Uint8Array<ArrayBuffer>,
      message as Uint8Array<ArrayBuffer>,
    );
  if (!ok) {
    frames.sendPayload(FAILURE);
    await frames.flush().catch(() => {});
    throw new AuthenticationError(
      "The peer's digest was wrong: it does not hold the same key.",
    );
  }
  frames.sendPayload(WELCOME);
}

async function answerChallenge(
  frames: FramedConn,
  key: CryptoKey,
): Promise<void> {
  const message = await receive(frames);
  if (!startsWith(message, CHALLENGE)) {
    throw new AuthenticationError(
      "The peer did not start the authentication handshake: it is not a multitask endpoint.",
    );
  }
  const challenge = message.subarray(CHALLENGE.length);
  if (!startsWith(challenge, DIGEST)) {
    throw new AuthenticationError(
      "The peer asked for an unsupported digest; only {sha256} is accepted.",
    );
  }
  const digest = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, challenge as Uint8Array<ArrayBuffer>),
  );
  frames.sendPayload(concat(DIGEST, digest));
  const verdict = await receive(frames);
  if (!equal(verdict, WELCOME)) {
    throw new AuthenticationError(
      "Authentication failed: the digest sent was rejected. Check that both sides use the same authkey.",
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  return data.length >= prefix.length &&
    equal(data.subarray(0, prefix.length), prefix);
}

/** Compares in time independent of where the inputs differ. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

const equal = timingSafeEqual;
