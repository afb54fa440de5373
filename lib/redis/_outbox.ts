// What a Redis pool worker writes back: results (signed, one entry per
// caller per flush) and the acknowledgement of the entries they finish, in
// one FINISH script call; dead letters; refusal notices. Everything produced
// in one tick goes out in one round trip, and a flush that cannot reach the
// server keeps what it had for the next (until the reconnect window gives up).

import type { Buffer } from "node:buffer";
import { serializeError } from "../_crossing/errors.ts";
import { pack, type ResultRecord, type Signer } from "./_envelope.ts";
import type { Arg, Link } from "./_link.ts";
import { CALLER_TTL, GROUP, type PoolKeys } from "./_pool_options.ts";
import { FINISH } from "./_worker_scripts.ts";

const MOST_ACKS = 1_000;

/** What the outbox needs from its worker. */
export interface OutboxOwner {
  readonly id: string;
  readonly signer: Signer;
  /** Whether results for `caller` are pointless (it vanished). */
  vanished(caller: string): boolean;
  /** The worker's current measure of ms per task (sent along for batch sizing). */
  measure(): number;
  /** Called once a flush ended, to let a draining worker stop. */
  flushed(): void;
  /** Called when the server stayed away too long. */
  lost(error: unknown): void;
}

/** The worker's pending writes. */
export class Outbox {
  readonly #cmd: Link;
  readonly #keys: PoolKeys;
  readonly #owner: OutboxOwner;
  #results = new Map<string, ResultRecord[]>();
  #acks: string[] = [];
  // Acknowledgements being sent, and entries being refused (not yet queued).
  #sending: string[] = [];
  readonly #refusing = new Set<string>();
  #flushing: Promise<void> | undefined;
  #queued = false;
  #halted = false;
  #writes = 0;

  constructor(cmd: Link, keys: PoolKeys, owner: OutboxOwner) {
    this.#cmd = cmd;
    this.#keys = keys;
    this.#owner = owner;
  }

  /** Nothing waits to be written. */
  get empty(): boolean {
    return !this.#flushing && this.#acks.length === 0 &&
      this.#results.size === 0 && this.#writes === 0;
  }

  /** Whether `entry` is finished here and its acknowledgement not yet written. */
  knows(entry: string): boolean {
    return this.#refusing.has(entry) || this.#acks.includes(entry) ||
      this.#sending.includes(entry);
  }

  /** Writes nothing more: what was not sent stays for other workers to redo. */
  halt(): void {
    this.#halted = true;
  }

  /** Queues a task's outcome for its caller. */
  result(caller: string, record: ResultRecord): void {
    let list = this.#results.get(caller);
    if (!list) this.#results.set(caller, list = []);
    list.push(record);
  }

  /** Queues the acknowledgement of a finished entry (sent with the results before it). */
  ack(entry: string): void {
    this.#acks.push(entry);
    this.#schedule();
  }

  /** Records an entry (or one task of it) that will not run, and why. */
  deadLetter(
    entry: string,
    fields: Map<string, Buffer> | undefined,
    reason: string,
  ): void {
    const args: Arg[] = [
      "XADD",
      this.#keys.dead,
      "MAXLEN",
      "~",
      "10000",
      "*",
      "reason",
      reason,
      "worker",
      this.#owner.id,
      "source",
      this.#keys.tasks,
      "id",
      entry,
    ];
    for (const name of ["p", "s", "c"]) {
      const value = fields?.get(name);
      if (value) args.push(name, value);
    }
    this.#write(args, "dead-letter a task of");
  }

  /**
   * Refuses an entry whose signature is wrong: dead letter, an unsigned
   * notice to the caller it names (so that its tasks fail instead of
   * waiting), then the acknowledgement.
   */
  refuse(entry: string, fields: Map<string, Buffer>, caller: string): void {
    this.#refusing.add(entry);
    this.deadLetter(
      entry,
      fields,
      "bad signature: not signed with this worker's --authkey (or not written by a multitask pool)",
    );
    const notice = /^[\w.-]{1,64}$/.test(caller)
      ? this.#write([
        "XADD",
        this.#keys.results(caller),
        "*",
        "x",
        entry,
        "why",
        "signature",
        "w",
        this.#owner.id,
      ], "refuse a task of")
      : Promise.resolve();
    notice.then(() => {
      this.#refusing.delete(entry);
      this.ack(entry);
    });
  }

  #write(args: Arg[], action: string): Promise<void> {
    this.#writes++;
    return this.#cmd.send(args, { action }).then(() => {}, () => {})
      .finally(() => {
        this.#writes--;
        this.#owner.flushed();
      });
  }

  #schedule(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    try {
      while (
        !this.#halted && (this.#acks.length > 0 || this.#results.size > 0)
      ) {
        const acks = this.#acks.splice(0, MOST_ACKS);
        const results = this.#results;
        this.#results = new Map();
        this.#sending = acks;
        try {
          await this.#finish(acks, results);
          this.#sending = [];
        } catch (error) {
          this.#sending = [];
          this.#acks.unshift(...acks);
          for (const [caller, records] of results) {
            this.#results.set(caller, [
              ...records,
              ...this.#results.get(caller) ?? [],
            ]);
          }
          throw error;
        }
      }
    } catch (error) {
      this.#owner.lost(error);
    } finally {
      this.#flushing = undefined;
      this.#owner.flushed();
    }
  }

  async #finish(
    acks: string[],
    results: Map<string, ResultRecord[]>,
  ): Promise<void> {
    const ms = this.#owner.measure();
    const keys: Arg[] = [this.#keys.tasks];
    const tail: Arg[] = [];
    for (const [caller, records] of results) {
      if (this.#owner.vanished(caller)) continue;
      const key = this.#keys.results(caller);
      const payload = packResults(this.#owner.id, records, ms);
      keys.push(key);
      tail.push(payload, this.#owner.signer.sign(key, payload));
    }
    await this.#cmd.send([
      "EVALSHA",
      FINISH.sha,
      String(keys.length),
      ...keys,
      GROUP,
      String(CALLER_TTL * 2),
      String(acks.length),
      ...acks,
      ...tail,
    ], { action: "send results to" });
  }
}

function packResults(
  worker: string,
  records: ResultRecord[],
  ms: number,
): Buffer {
  try {
    return pack({ w: worker, r: records, ms });
  } catch {
    // One result cannot cross (the local pool let it through): it fails
    // alone, the others go.
    return pack({ w: worker, ms, r: records.map((r) => sendable(r, worker)) });
  }
}

function sendable(record: ResultRecord, worker: string): ResultRecord {
  try {
    pack(record);
    return record;
  } catch (error) {
    const refused = new TypeError(
      `Cannot send the task's result back from Redis pool worker ${worker} as it cannot be serialized (${
        (error as Error).message
      }). Return plain data.`,
    );
    return [record[0], 0, serializeError(refused), record[3]];
  }
}
