// The payload rule: what can cross to another process, and how it is
// encoded. One walk over a value classifies it:
//   JSON    JSON.parse(JSON.stringify(v)) rebuilds it exactly (plain data:
//           finite numbers but -0, strings, booleans, null, plain arrays and
//           objects, no shared references). It travels as JSON text: node:v8
//           costs ~12 µs per call in Deno even for tiny values, which would cap
//           a process pool far below its bar.
//   CLONE   node:v8 (structured clone) surely takes it: undefined, NaN, -0,
//           BigInt, Map, Set, Date, RegExp, errors, typed arrays, shared or
//           cyclic references... It travels as node:v8 bytes.
//   UNKNOWN anything the walk does not vouch for (instances of classes, host
//           objects, structures deeper than the walk goes): only the encoding
//           itself can tell.
//   or a refusal: functions, symbols, promises, weak collections and
//           SharedArrayBuffers never cross; the reason says which.
// checkSendable is the one "can this be sent" check: it walks, and only when
// the walk cannot vouch does it encode, keeping the bytes (a Payload) for the
// sender to use instead of encoding again. Both encodings decode without eval.
//
// Payload bytes: one tag byte, then JSON text ("J"), node:v8 output ("V"), or
// an envelope ("E": u8 depth, u32 length, a JSON head, then a nested payload
// put back at the end of the head's spine), which is how an RPC message
// carries a value encoded before the message was built.

import { deserialize, serialize } from "node:v8";
import { FrameError } from "../errors/connection.ts";
import type { RemoteCall } from "./codec.ts";
import { classify, jsonTextOf } from "./sendable.ts";

export {
  classify,
  isJsonExact,
  isPrimitive,
  isSendable,
  jsonTextOf,
  type Verdict,
} from "./sendable.ts";

const TAG_JSON = 0x4a; // "J"
const TAG_V8 = 0x56; // "V"
const TAG_ENVELOPE = 0x45; // "E"
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A value already encoded by checkSendable: send its bytes, do not encode it again. */
export class Payload {
  /** Tag byte + body, as decodePayload reads them. */
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/**
 * The one "can this be sent to another process" check. Returns undefined when
 * the walk vouches for `value` (nothing was serialized: send `value` itself),
 * or a Payload holding its encoding when only encoding could tell (send the
 * Payload instead: it is not encoded again). Throws a TypeError worded by
 * `refusal(reason)` when it cannot be sent, with the encoder's error as cause.
 */
export function checkSendable(
  value: unknown,
  refusal: (reason: string) => string,
): Payload | undefined {
  const verdict = classify(value);
  if (verdict === "json" || verdict === "clone") return undefined;
  if (verdict !== "unknown") throw new TypeError(refusal(verdict.refused));
  try {
    return new Payload(tagged(TAG_V8, serialize(value)));
  } catch (error) {
    throw new TypeError(refusal((error as Error).message), { cause: error });
  }
}

/**
 * Prepares the args of a call through `call` (see RemoteCall.prepare): what
 * to pass to `call` in their place. Throws a TypeError worded by `refusal`.
 */
export function prepareArgs(
  call: RemoteCall,
  args: unknown[],
  refusal: (reason: string) => string,
): unknown[] | Payload {
  if (call.prepare) return call.prepare(args, refusal);
  return checkSendable(args, refusal) ?? args;
}

/** The tag byte of a JSON payload, for writers that encode text in place. */
export const JSON_TAG: number = TAG_JSON;

/**
 * Encodes one value as a payload (tag byte + body): JSON when exact, else
 * node:v8. A Payload is returned as is. Throws a DataCloneError saying what
 * can be sent when node:v8 refuses the value.
 */
export function encodePayload(value: unknown): Uint8Array {
  if (value instanceof Payload) return value.bytes;
  const text = jsonTextOf(value);
  if (text !== undefined) return tagged(TAG_JSON, encoder.encode(text));
  return encodeV8(value);
}

/** node:v8 encoding of a value the JSON path does not take. */
export function encodeV8(value: unknown): Uint8Array {
  try {
    return tagged(TAG_V8, serialize(value));
  } catch (error) {
    throw new DOMException(
      `${
        (error as Error).message
      } Only structured-cloneable values (plain data, Map, Set, Date, typed arrays, Error... and the library's own objects) can be sent to another process.`,
      "DataCloneError",
    );
  }
}

const SPINE_DEPTH = 4;

/**
 * The Payload ending `message`'s spine (its last element, or the last
 * element of that if it is an array, and so on), if any: an RPC message
 * `[0, id, "$obj", [target, method, args]]` may carry its args encoded.
 */
export function trailingPayload(message: unknown): Payload | undefined {
  let value = message;
  for (let depth = 0; depth < SPINE_DEPTH && Array.isArray(value); depth++) {
    value = value[value.length - 1];
  }
  return value instanceof Payload ? value : undefined;
}

/**
 * Encodes a message whose spine ends in a Payload (see trailingPayload): the
 * rest of the message (small, plain) is JSON, the Payload's bytes follow
 * unchanged, and decodePayload puts the value back where it stood.
 */
export function encodeEnvelope(message: unknown[]): Uint8Array {
  let depth = 0;
  const strip = (array: unknown[]): unknown[] => {
    const last = array[array.length - 1];
    if (last instanceof Payload) return array.slice(0, -1);
    depth++;
    return [...array.slice(0, -1), strip(last as unknown[])];
  };
  const head = encoder.encode(JSON.stringify(strip(message)));
  const last = trailingPayload(message)!.bytes;
  const out = new Uint8Array(6 + head.length + last.length);
  out[0] = TAG_ENVELOPE;
  out[1] = depth;
  new DataView(out.buffer).setUint32(2, head.length);
  out.set(head, 6);
  out.set(last, 6 + head.length);
  return out;
}

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

/** Undoes encodePayload / encodeEnvelope; throws FrameError on anything malformed. */
export function decodePayload(payload: Uint8Array): unknown {
  try {
    switch (payload[0]) {
      case TAG_JSON:
        return JSON.parse(jsonText(payload));
      case TAG_V8:
        // A copy: node:v8 returns typed arrays and Buffers as views into the
        // bytes it reads, and `payload` is usually a view into a connection's
        // read buffer, which the next frame overwrites.
        return deserialize(payload.slice(1));
      case TAG_ENVELOPE:
        return decodeEnvelope(payload);
    }
  } catch (error) {
    if (error instanceof FrameError) throw error;
    throw new FrameError(
      `Received a malformed message: ${(error as Error).message}`,
      { cause: error },
    );
  }
  throw new FrameError(
    `Received a message with unknown type byte ${
      payload[0] ?? "(empty)"
    }; the peer does not speak this protocol.`,
  );
}

// Short JSON frames (receipts, acks, small requests) are read byte by
// byte while they are ASCII: a TextDecoder call cost ~5 us each on a
// connection's read loop, more than the rest of a receipt's handling (a
// child's per-item get() was 1.14x slower with receipts until this). The
// decoder, fatal on bad UTF-8, still reads anything else.
const SHORT_JSON = 64;

function jsonText(payload: Uint8Array): string {
  if (payload.length > SHORT_JSON) return decoder.decode(payload.subarray(1));
  let text = "";
  for (let i = 1; i < payload.length; i++) {
    const byte = payload[i];
    if (byte >= 0x80) return decoder.decode(payload.subarray(1));
    text += String.fromCharCode(byte);
  }
  return text;
}

function decodeEnvelope(payload: Uint8Array): unknown[] {
  const depth = payload[1];
  const length = new DataView(payload.buffer, payload.byteOffset)
    .getUint32(2);
  const head = JSON.parse(decoder.decode(payload.subarray(6, 6 + length)));
  const last = payload.subarray(6 + length);
  let spine = head;
  for (let d = 0; d < depth && Array.isArray(spine); d++) spine = spine.at(-1);
  if (
    !Array.isArray(spine) || depth >= SPINE_DEPTH || last[0] === TAG_ENVELOPE
  ) {
    throw new FrameError("Received a malformed envelope.");
  }
  spine.push(decodePayload(last));
  return head;
}
