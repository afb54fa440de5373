// Outcomes (see outcome.ts) on their way to another process, and the bytes
// a pool child keeps of each in its journal. Every value passes the payload
// rule here, in the child, one call at a time, so a value that cannot cross
// fails its own call and nothing else; the bytes this yields are the record
// the journal keeps. The batch itself then travels as plain outcomes, which
// the channel encodes in place: sending these same bytes inside an envelope
// instead was measured slower (13-43% on 10k tiny tasks in flight), since
// JSON text for tiny values costs less than the envelope's extra copies and
// its second parse. Kept apart from outcome.ts so that thread workers never
// load node:v8 (~5 ms per worker).

import { encodeValue, type ObjectExporter } from "./codec.ts";
import { checkSendable, decodePayload, encodeV8 } from "./payload.ts";
import { jsonTextOf } from "./sendable.ts";
import {
  NOTHING,
  type Outcomes,
  RETURNED,
  setThrew,
  unsendableResult,
} from "./outcome.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How one outcome is kept: its JSON text, or its status and payload bytes. */
export interface OutcomeRecord {
  /** True: `bytes` is the UTF-8 of the two slots as JSON ("1,42"). */
  json: boolean;
  bytes: Uint8Array;
}

/**
 * Puts call `k` of `out` (as setReturned/setThrew left it) in the form it
 * crosses to another process in, by the payload rule: library objects are
 * exported through `exporter`, undefined becomes NOTHING, and a value that
 * cannot cross fails that call alone. Returns the call's record.
 */
export function encodeOutcome(
  out: Outcomes,
  k: number,
  exporter: ObjectExporter,
): OutcomeRecord {
  if (out[k * 2] === RETURNED) {
    if (out[k * 2 + 1] === undefined) {
      out[k * 2] = NOTHING;
      out[k * 2 + 1] = 0;
    } else {
      try {
        out[k * 2 + 1] = encodeValue(out[k * 2 + 1], exporter);
      } catch (error) {
        setThrew(out, k, unsendableResult((error as Error).message, error));
      }
    }
  }
  const slot = out[k * 2 + 1];
  const text = jsonTextOf(slot);
  if (text !== undefined) {
    return { json: true, bytes: encoder.encode(`${out[k * 2]},${text}`) };
  }
  try {
    const payload = checkSendable(slot, (reason) => reason);
    return { json: false, bytes: payload ? payload.bytes : encodeV8(slot) };
  } catch (error) {
    setThrew(out, k, unsendableResult((error as Error).message, error));
    return encodeOutcome(out, k, exporter);
  }
}

/** Undoes encodeOutcome's record: [status, slot]. */
export function decodeRecord(
  record: OutcomeRecord,
  status: number,
): [number, unknown] {
  if (record.json) return JSON.parse(`[${decoder.decode(record.bytes)}]`);
  return [status, decodePayload(record.bytes)];
}

/** Turns NOTHING outcomes back into RETURNED undefined (in place). */
export function decodeOutcomes(out: Outcomes): Outcomes {
  for (let k = 0; k < out.length / 2; k++) {
    if (out[k * 2] !== NOTHING) continue;
    out[k * 2] = RETURNED;
    out[k * 2 + 1] = undefined;
  }
  return out;
}
