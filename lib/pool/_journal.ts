// The journal of a process pool child: a file where the child records, as
// it goes, which task it started and what each finished task returned, so
// that a child killed by anything (Deno.exit, an escaped error, SIGKILL, the
// OOM killer) takes no finished result with it. Each task's outcome is
// written before the next task starts; a write either happens or not, even
// under SIGKILL (the signal lands when the write call returns). The journal
// is emptied when a batch starts, once the child knows the previous batch's
// results are written to its socket, so it holds the current batch only.
//
// Records, appended (little endian):
//   "S" u32 seq, f64 startedAt                 task seq started
//   "R" u32 seq, u32 n, n bytes                it ended: the JSON text of its
//                                              two outcome slots ("1,42")
//   "B" u32 seq, u8 status, u32 n, n bytes     it ended: status, slot as payload
// (the records encodeOutcome made: each value passed the payload rule there)
//   "C" u32 n, n bytes                         an error escaped (payload)

import type { SerializedError } from "../_crossing/errors.ts";
import type { Outcomes } from "../_crossing/outcome.ts";
import { decodePayload, encodePayload } from "../_crossing/payload.ts";
import {
  decodeRecord,
  type OutcomeRecord,
} from "../_crossing/outcome_bytes.ts";

const STARTED = 0x53, RESULT = 0x52, BYTES = 0x42, CRASH = 0x43;

/** The child's side: appends records, one write per task. */
export class Journal {
  #file: Deno.FsFile;
  // Records not written yet: a task's outcome waits to go out with the
  // next task's start (or the end of the batch), in one write.
  #pending = new Uint8Array(1024);
  #view = new DataView(this.#pending.buffer);
  #length = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Opens the journal at `path`; undefined without write access (crashes then fail the whole batch). */
  static open(path: string): Journal | undefined {
    try {
      return new Journal(Deno.openSync(path, { append: true }));
    } catch {
      return undefined;
    }
  }

  /**
   * A new batch: what the journal held was delivered. It keeps the number
   * of the task started last (`last`), which tells the pool whether a child
   * that dies now had run anything at all.
   */
  restart(last: number): void {
    this.#length = 0;
    this.#file.truncateSync(0);
    // Written with the first task's start, which follows at once.
    if (last > 0) this.#start(last, 0);
  }

  /** Task `seq` starts now; the previous task's outcome goes out with this. */
  started(seq: number): void {
    this.#start(seq, performance.timeOrigin + performance.now());
    this.flush();
  }

  #start(seq: number, at: number): void {
    const i = this.#reserve(13);
    this.#pending[i] = STARTED;
    this.#view.setUint32(i + 1, seq, true);
    this.#view.setFloat64(i + 5, at, true);
  }

  /** Task `seq` ended with call `k` of `out`, kept as `record` (encodeOutcome). */
  finished(
    seq: number,
    out: Outcomes,
    k: number,
    record: OutcomeRecord,
  ): void {
    const bytes = record.bytes;
    if (record.json) {
      const at = this.#reserve(9 + bytes.length);
      this.#pending[at] = RESULT;
      this.#view.setUint32(at + 1, seq, true);
      this.#view.setUint32(at + 5, bytes.length, true);
      this.#pending.set(bytes, at + 9);
      return;
    }
    const at = this.#reserve(10 + bytes.length);
    this.#pending[at] = BYTES;
    this.#view.setUint32(at + 1, seq, true);
    this.#pending[at + 5] = out[k * 2] as number;
    this.#view.setUint32(at + 6, bytes.length, true);
    this.#pending.set(bytes, at + 10);
  }

  /** Records the error that is bringing the child down. */
  crashed(error: SerializedError): void {
    let bytes: Uint8Array;
    try {
      bytes = encodePayload(error);
    } catch {
      return;
    }
    const at = this.#reserve(5 + bytes.length);
    this.#pending[at] = CRASH;
    this.#view.setUint32(at + 1, bytes.length, true);
    this.#pending.set(bytes, at + 5);
    this.flush();
  }

  /** Writes what is pending, synchronously. */
  flush(): void {
    let written = 0;
    try {
      while (written < this.#length) {
        written += this.#file.writeSync(
          this.#pending.subarray(written, this.#length),
        );
      }
    } catch {
      // Out of space: what did not fit fails as lost if the child dies.
    }
    this.#length = 0;
  }

  #reserve(need: number): number {
    const at = this.#length;
    if (this.#pending.length - at < need) {
      const grown = new Uint8Array(
        Math.max(at + need, this.#pending.length * 2),
      );
      grown.set(this.#pending.subarray(0, at));
      this.#pending = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = at + need;
    return at;
  }
}

/** What a dead child's journal tells. */
export interface JournalReading {
  /** The task started last (0: none yet). */
  started: number;
  /** When it started (0: in an earlier batch). */
  startedAt?: number;
  /** The outcomes it holds, by task sequence number from `first`. */
  first: number;
  out: Outcomes;
  /** The error that escaped, if one did. */
  crash?: SerializedError;
}

/** The parent's side: reads the journal of a child (alive or not). */
export function readJournal(path: string): JournalReading | undefined {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const reading: JournalReading = { started: 0, first: 0, out: [] };
  const put = (seq: number, status: unknown, slot: unknown) => {
    if (reading.out.length === 0) reading.first = seq;
    const k = seq - reading.first;
    reading.out[k * 2] = status;
    reading.out[k * 2 + 1] = slot;
  };
  let at = 0;
  try {
    while (at < bytes.length) {
      const type = bytes[at];
      if (type === STARTED) {
        reading.started = view.getUint32(at + 1, true);
        reading.startedAt = view.getFloat64(at + 5, true);
        at += 13;
      } else if (type === RESULT) {
        const n = view.getUint32(at + 5, true);
        const [status, slot] = decodeRecord(
          { json: true, bytes: bytes.subarray(at + 9, at + 9 + n) },
          0,
        );
        put(view.getUint32(at + 1, true), status, slot);
        at += 9 + n;
      } else if (type === BYTES) {
        const n = view.getUint32(at + 6, true);
        const [status, slot] = decodeRecord(
          { json: false, bytes: bytes.subarray(at + 10, at + 10 + n) },
          bytes[at + 5],
        );
        put(view.getUint32(at + 1, true), status, slot);
        at += 10 + n;
      } else if (type === CRASH) {
        const n = view.getUint32(at + 1, true);
        reading.crash = decodePayload(
          bytes.subarray(at + 5, at + 5 + n),
        ) as SerializedError;
        at += 5 + n;
      } else break;
    }
  } catch {
    // A record cut short (the disk filled up): what came before stands.
  }
  return reading;
}
