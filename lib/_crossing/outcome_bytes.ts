// Outcomes (see outcome.ts) on their way to another process: each call's
// value is encoded once, here, by the payload rule, and the same bytes serve
// the pool child's journal and the batch it sends. Kept apart from
// outcome.ts so that thread workers never load node:v8 (~5 ms per worker).

import { encodeValue, type ObjectExporter } from "./codec.ts";
import {
  checkSendable,
  decodePayload,
  encodeV8,
  JSON_TAG,
  jsonTextOf,
} from "./payload.ts";
import {
  ENCODED,
  NOTHING,
  type Outcomes,
  RETURNED,
  setThrew,
  unsendableResult,
} from "./outcome.ts";

const encoder = new TextEncoder();

/**
 * Puts call `k` of `out` (as setReturned/setThrew left it) in the form it
 * crosses to another process in, by the payload rule: library objects are
 * exported through `exporter`, a value that cannot cross fails that call
 * alone, and a value only node:v8 takes becomes ENCODED (serialized once,
 * here). Returns the UTF-8 of the call's two slots as JSON ("1,42"), when
 * JSON is exact for them, for the sender to assemble (see batchPayload)
 * instead of encoding again.
 */
export function encodeOutcome(
  out: Outcomes,
  k: number,
  exporter: ObjectExporter,
): Uint8Array | undefined {
  if (out[k * 2] === RETURNED) {
    const value = out[k * 2 + 1];
    if (value === undefined) {
      out[k * 2] = NOTHING;
      out[k * 2 + 1] = 0;
    } else {
      try {
        encodeValueAt(out, k, encodeValue(value, exporter));
      } catch (error) {
        setThrew(out, k, unsendableResult((error as Error).message, error));
      }
    }
  }
  if (out[k * 2] === ENCODED) return undefined;
  const text = jsonTextOf(out[k * 2 + 1]);
  return text === undefined
    ? undefined
    : encoder.encode(`${out[k * 2]},${text}`);
}

function encodeValueAt(out: Outcomes, k: number, value: unknown): void {
  out[k * 2 + 1] = value;
  if (jsonTextOf(value) !== undefined) return; // JSON takes it as it is
  const payload = checkSendable(value, (reason) => reason);
  out[k * 2] = ENCODED;
  out[k * 2 + 1] = payload ? payload.bytes : encodeV8(value);
}

/**
 * The JSON payload bytes of a batch whose every call encodeOutcome gave
 * as JSON: `[` + their texts joined by commas + `]`, copied, not re-encoded;
 * it decodes to the flat Outcomes.
 */
export function batchPayload(texts: Uint8Array[]): Uint8Array {
  let length = 3 + Math.max(0, texts.length - 1);
  for (const text of texts) length += text.length;
  const bytes = new Uint8Array(length);
  bytes[0] = JSON_TAG;
  bytes[1] = 0x5b; // "["
  let at = 2;
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) bytes[at++] = 0x2c; // ","
    bytes.set(texts[i], at);
    at += texts[i].length;
  }
  bytes[at] = 0x5d; // "]"
  return bytes;
}

/** Turns ENCODED and NOTHING outcomes back into RETURNED values (in place). */
export function decodeOutcomes(out: Outcomes): Outcomes {
  for (let k = 0; k < out.length / 2; k++) {
    const status = out[k * 2];
    if (status === ENCODED) {
      out[k * 2 + 1] = decodePayload(out[k * 2 + 1] as Uint8Array);
    } else if (status === NOTHING) out[k * 2 + 1] = undefined;
    else continue;
    out[k * 2] = RETURNED;
  }
  return out;
}
