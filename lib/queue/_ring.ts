// The shared-memory body of a Queue: a ring of serialized items in a
// growable SharedArrayBuffer plus a header of Int32 words, so any thread
// holding the two buffers works on the same queue. Every access to the ring
// happens under a tiny futex lock; waiting for items or space happens outside
// it, on sequence words that producers and consumers bump.

import { deserialize } from "node:v8";
import { decodeValue } from "../_crossing/codec.ts";
import {
  type Prepared,
  prepareRecord,
  readRecord,
  recordBytes,
  type RecordOut,
  writeRecord,
} from "./_record.ts";
import { createIndex, entryBytes, HeapStore } from "./_heap.ts";
import { priorityKeySize } from "./_priority_key.ts";

/** The cloneable state another thread needs to reach the same ring. */
export interface RingState {
  header: SharedArrayBuffer;
  data: SharedArrayBuffer;
  /** The heap of a PriorityQueue or LifoQueue (see _heap.ts); FIFO rings have none. */
  index?: SharedArrayBuffer;
}

/** In which order a ring hands out its items. */
export type RingOrder = "fifo" | "lifo" | "priority";
const ORDERS: RingOrder[] = ["fifo", "lifo", "priority"];

// Header words.
const LOCK = 0; // 0 free, 1 held, 2 held with sleepers
const HEAD = 1; // byte offset of the oldest record
const TAIL = 2; // byte offset where the next record goes
const WRAP = 3; // end of the older segment when the data wraps, else -1
const COUNT = 4; // items in the ring
const CLOSED = 5; // 1 once close() was called, 2 if close(immediate)
const UNFINISHED = 6; // items put and not yet taskDone() (JoinableQueue)
const PUT_SEQ = 7; // bumped when items arrive or the ring closes: getters sleep here
const GET_SEQ = 8; // bumped when items leave or the ring closes: putters sleep here
const DONE_SEQ = 9; // bumped when UNFINISHED reaches 0: joiners sleep here
const GET_WAITERS = 10;
const PUT_WAITERS = 11;
const JOIN_WAITERS = 12;
const MAXSIZE = 13; // item limit, 0: none; changed only under LOCK
const MAX_BYTES_LO = 14; // byte limit of the data buffer (fits in int32 as we cap it)
const ORDER = 15; // index in ORDERS
const DEAD = 16; // bytes of entries a heap ring took (reclaimed by compacting)
const WORDS = 20;

/** Largest data buffer a ring may grow to. */
export const MAX_RING_BYTES = 2 ** 30;
const INITIAL_BYTES = 64 * 1024;

/** Is this the main thread, where blocking Atomics.wait would freeze the event loop? */
export function onMainThread(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope ===
    "undefined";
}

/** Outcome of one non-waiting attempt. */
export type TryResult = "ok" | "full" | "closed";

/** The shared ring; cheap to construct over existing state. */
export class Ring {
  readonly state: RingState;
  readonly #h: Int32Array;
  readonly #u8: Uint8Array;
  readonly #view: DataView;
  readonly #read: RecordOut = { value: undefined, raw: undefined };
  readonly #heap: HeapStore | undefined;
  /** Whether items need a sort key (a PriorityQueue). */
  readonly #keyed: boolean;

  constructor(state: RingState) {
    this.state = state;
    this.#h = new Int32Array(state.header);
    // Length-tracking views: they see the buffer grow whichever thread grew it.
    this.#u8 = new Uint8Array(state.data);
    this.#view = new DataView(state.data);
    const order = this.order;
    this.#keyed = order === "priority";
    if (state.index) {
      this.#heap = new HeapStore(
        this.#h,
        { count: COUNT, tail: TAIL, dead: DEAD },
        state.data,
        state.index,
        order === "lifo",
        (atLeast) => this.#grow(atLeast),
      );
    }
  }

  /** A fresh ring; maxsize 0 means no item limit. */
  static create(
    maxsize: number,
    maxBytes: number,
    order: RingOrder = "fifo",
  ): Ring {
    const header = new SharedArrayBuffer(WORDS * 4);
    const initial = Math.min(INITIAL_BYTES, maxBytes);
    const data = new SharedArrayBuffer(initial, { maxByteLength: maxBytes });
    const h = new Int32Array(header);
    h[WRAP] = -1;
    h[MAXSIZE] = maxsize;
    h[MAX_BYTES_LO] = maxBytes;
    h[ORDER] = ORDERS.indexOf(order);
    const index = order === "fifo" ? undefined : createIndex(maxBytes);
    return new Ring(index ? { header, data, index } : { header, data });
  }

  /** In which order items come out. */
  get order(): RingOrder {
    return ORDERS[this.#h[ORDER]];
  }

  get maxsize(): number {
    return Atomics.load(this.#h, MAXSIZE);
  }

  /**
   * Changes the item limit (0: none) at run time [Queue.maxsize = n]. Items
   * already in stay; putters waiting for room wake up and check again, so a
   * larger limit lets them in at once.
   */
  setMaxsize(maxsize: number): void {
    this.#lock();
    try {
      Atomics.store(this.#h, MAXSIZE, maxsize);
    } finally {
      this.#unlock();
    }
    // Putters sleep on GET_SEQ (room appears when items leave): bump it.
    this.#bump(GET_SEQ, PUT_WAITERS);
  }

  get maxBytes(): number {
    return this.#h[MAX_BYTES_LO];
  }

  get count(): number {
    return Atomics.load(this.#h, COUNT);
  }

  /** Getters asleep waiting for items right now. */
  get getWaiters(): number {
    return Atomics.load(this.#h, GET_WAITERS);
  }

  get closed(): boolean {
    return Atomics.load(this.#h, CLOSED) !== 0;
  }

  get unfinished(): number {
    return Atomics.load(this.#h, UNFINISHED);
  }

  /** Sequence words to sleep on; see waitFor(). */
  get putSeq(): number {
    return Atomics.load(this.#h, PUT_SEQ);
  }

  get getSeq(): number {
    return Atomics.load(this.#h, GET_SEQ);
  }

  get doneSeq(): number {
    return Atomics.load(this.#h, DONE_SEQ);
  }

  // ---- lock -------------------------------------------------------------

  #lock(): void {
    const h = this.#h;
    if (Atomics.compareExchange(h, LOCK, 0, 1) === 0) return;
    for (let i = 0; i < 64; i++) {
      if (
        Atomics.load(h, LOCK) === 0 &&
        Atomics.compareExchange(h, LOCK, 0, 1) === 0
      ) return;
    }
    // Critical sections are a few hundred nanoseconds, so even the main
    // thread may sleep here briefly (Deno allows Atomics.wait there).
    while (Atomics.exchange(h, LOCK, 2) !== 0) Atomics.wait(h, LOCK, 2, 10);
  }

  #unlock(): void {
    const h = this.#h;
    if (Atomics.sub(h, LOCK, 1) !== 1) {
      Atomics.store(h, LOCK, 0);
      Atomics.notify(h, LOCK, 1);
    }
  }

  // ---- items ------------------------------------------------------------

  /** Serializes outside the lock; throws a TypeError for what cannot be cloned. */
  prepare(item: unknown): Prepared {
    // The key first: an item PriorityQueue cannot order is refused as such.
    const keyBytes = this.#keyed ? priorityKeySize(item) : this.#heap ? 0 : -1;
    const p = prepareRecord(item);
    p.keyBytes = keyBytes;
    // A copy, so a caller changing the array while a put waits cannot
    // change the key (or its size) behind the record.
    if (this.#keyed) p.keyItem = Array.isArray(item) ? item.slice() : item;
    return p;
  }

  /** Bytes a prepared item needs in the ring, header included. */
  static recordBytes(p: Prepared): number {
    return p.keyBytes >= 0 ? entryBytes(p) : recordBytes(p);
  }

  /**
   * Appends prepared items in order under one lock hold; stops at the first
   * that does not fit. Returns how many went in, or -1 if the ring is closed.
   */
  tryPutMany(items: Prepared[], start: number, unfinished: boolean): number {
    this.#lock();
    let n = 0;
    try {
      const h = this.#h;
      if (h[CLOSED]) return -1;
      const maxsize = h[MAXSIZE];
      for (let i = start; i < items.length; i++) {
        if (maxsize > 0 && h[COUNT] >= maxsize) break;
        if (!this.#write(items[i])) break;
        h[COUNT]++;
        if (unfinished) Atomics.add(h, UNFINISHED, 1);
        n++;
      }
    } finally {
      this.#unlock();
    }
    if (n > 0) this.#bump(PUT_SEQ, GET_WAITERS);
    return n;
  }

  /** One item; see tryPutMany. */
  tryPut(p: Prepared, unfinished: boolean): TryResult {
    this.#lock();
    let ok = false;
    try {
      const h = this.#h;
      if (h[CLOSED]) return "closed";
      const maxsize = h[MAXSIZE];
      if (maxsize > 0 && h[COUNT] >= maxsize) return "full";
      ok = this.#write(p);
      if (ok) {
        h[COUNT]++;
        // Atomic: taskDone() counts down without taking the lock.
        if (unfinished) Atomics.add(h, UNFINISHED, 1);
      }
    } finally {
      this.#unlock();
    }
    if (!ok) return "full";
    this.#bump(PUT_SEQ, GET_WAITERS);
    return "ok";
  }

  /**
   * Takes the oldest item. `found` is set false when the ring is empty (the
   * return value is then meaningless); decoding of structured data happens
   * after the lock is released.
   */
  tryGet(out: { found: boolean }): unknown {
    let value: unknown;
    let raw: Uint8Array | undefined;
    this.#lock();
    try {
      const h = this.#h;
      if (h[COUNT] === 0) {
        out.found = false;
        return undefined;
      }
      const read = this.#read;
      if (this.#heap) this.#heap.pop(read);
      else this.#advance(readRecord(this.#u8, this.#view, h[HEAD], read));
      value = read.value;
      raw = read.raw;
      read.value = read.raw = undefined; // hold no item past its get
    } finally {
      this.#unlock();
    }
    out.found = true;
    this.#bump(GET_SEQ, PUT_WAITERS);
    return raw ? decodeValue(deserialize(raw)) : value;
  }

  /**
   * Puts items back at the front, oldest first, ignoring maxsize (they were
   * in before). After close({ immediate: true }) they are dropped instead,
   * as the items left then were, and count as done.
   */
  unget(items: Prepared[]): void {
    if (items.length === 0) return;
    let need = 0;
    for (const p of items) need += Ring.recordBytes(p);
    let drop = false;
    this.#lock();
    try {
      const h = this.#h;
      // Read under the lock, so the drop of close(immediate) cannot miss them.
      drop = h[CLOSED] === 2;
      if (drop) return;
      if (this.#heap) {
        // Back in their places: by key, or on top of a LifoQueue.
        for (let i = 0; i < items.length; i++) {
          if (!this.#heap.push(items[i], true, i, items.length)) {
            this.#ensureCapacity(this.maxBytes + 1); // throws: no room left
          }
          h[COUNT]++;
        }
      } else this.#ungetInOrder(items, need);
    } finally {
      this.#unlock();
      if (drop) this.#forgetTasks(items.length);
    }
    this.#bump(PUT_SEQ, GET_WAITERS);
  }

  #ungetInOrder(items: Prepared[], need: number): void {
    const h = this.#h;
    // Lay the current records out again behind the returned ones: rare
    // (a remote consumer gave back prefetched items), so copying is fine.
    const current = this.#linearize();
    this.#ensureCapacity(need + current.length);
    h[HEAD] = 0;
    h[TAIL] = 0;
    h[WRAP] = -1;
    for (const p of items) {
      this.#write(p);
      h[COUNT]++;
    }
    this.#u8.set(current, h[TAIL]);
    h[TAIL] += current.length;
  }

  /**
   * Closes the ring: puts fail, gets drain what is left then fail. With
   * `immediate`, what is left is dropped first, and counts as done for
   * join() [Python 3.13's Queue.shutdown(immediate=True)]. Every waiter
   * wakes up to find out.
   */
  close(immediate = false): void {
    const h = this.#h;
    if (immediate) {
      let dropped = 0;
      this.#lock();
      try {
        // Under the lock, so no put lands between the drop and the close.
        Atomics.store(h, CLOSED, 2);
        dropped = h[COUNT];
        h[COUNT] = 0;
        h[HEAD] = 0;
        h[TAIL] = 0;
        h[WRAP] = -1;
        h[DEAD] = 0;
      } finally {
        this.#unlock();
      }
      this.#forgetTasks(dropped);
    } else Atomics.compareExchange(h, CLOSED, 0, 1);
    for (const seq of [PUT_SEQ, GET_SEQ]) {
      Atomics.add(h, seq, 1);
      Atomics.notify(h, seq);
    }
  }

  // Dropped items will never see taskDone(): count them done (never below 0,
  // as Python does) and release join() if that finishes the count.
  #forgetTasks(dropped: number): void {
    const h = this.#h;
    let n = Atomics.load(h, UNFINISHED);
    while (dropped > 0 && n > 0) {
      const left = Math.max(0, n - dropped);
      const seen = Atomics.compareExchange(h, UNFINISHED, n, left);
      if (seen !== n) {
        n = seen;
        continue;
      }
      if (left === 0) {
        Atomics.add(h, DONE_SEQ, 1);
        Atomics.notify(h, DONE_SEQ);
      }
      return;
    }
  }

  /** Marks one task done; false if there was none outstanding. */
  taskDone(): boolean {
    const h = this.#h;
    for (;;) {
      const n = Atomics.load(h, UNFINISHED);
      if (n <= 0) return false;
      if (Atomics.compareExchange(h, UNFINISHED, n, n - 1) !== n) continue;
      if (n === 1) {
        Atomics.add(h, DONE_SEQ, 1);
        Atomics.notify(h, DONE_SEQ);
      }
      return true;
    }
  }

  // ---- waiting ------------------------------------------------------------

  /**
   * Sleeps (blocking) while the sequence word still equals `seq`, up to
   * `ms`. Only for workers; the caller re-checks its condition afterwards.
   */
  waitSync(which: "put" | "get" | "done", seq: number, ms: number): void {
    const [index, waiters] = words(which);
    Atomics.add(this.#h, waiters, 1);
    try {
      Atomics.wait(this.#h, index, seq, ms);
    } finally {
      Atomics.sub(this.#h, waiters, 1);
    }
  }

  /** Like waitSync without blocking; the caller keeps the event loop alive. */
  async waitAsync(
    which: "put" | "get" | "done",
    seq: number,
    ms: number,
    cancelled?: Promise<void>,
  ): Promise<void> {
    const [index, waiters] = words(which);
    Atomics.add(this.#h, waiters, 1);
    try {
      const waited = Atomics.waitAsync(this.#h, index, seq, ms);
      if (!waited.async) return;
      await (cancelled
        ? Promise.race([waited.value, cancelled])
        : waited.value);
    } finally {
      Atomics.sub(this.#h, waiters, 1);
    }
  }

  // ---- internals (lock held) ------------------------------------------------

  #bump(seq: number, waiters: number): void {
    Atomics.add(this.#h, seq, 1);
    if (Atomics.load(this.#h, waiters) > 0) Atomics.notify(this.#h, seq);
  }

  /** Writes one record at the tail, growing the buffer if allowed; false when it does not fit. */
  #write(p: Prepared): boolean {
    if (this.#heap) return this.#heap.push(p);
    const h = this.#h;
    const need = Ring.recordBytes(p);
    if (h[COUNT] === 0) {
      h[HEAD] = 0;
      h[TAIL] = 0;
      h[WRAP] = -1;
    }
    const at = this.#reserve(need);
    if (at < 0) return false;
    h[TAIL] = writeRecord(this.#u8, this.#view, at, p);
    return true;
  }

  /** Offset where `need` bytes may go, or -1. */
  #reserve(need: number): number {
    const h = this.#h;
    const cap = this.#u8.length;
    const head = h[HEAD], tail = h[TAIL];
    if (h[WRAP] < 0) {
      if (tail + need <= cap) return tail;
      if (need <= head) {
        h[WRAP] = tail;
        return 0;
      }
      return this.#grow(tail + need) ? tail : -1;
    }
    if (tail + need <= head) return tail;
    // Wrapped and out of room: grow, then move the newer segment behind the
    // older one so the data is contiguous again.
    const wrap = h[WRAP];
    if (!this.#grow(wrap + tail + need)) return -1;
    this.#u8.copyWithin(wrap, 0, tail);
    h[TAIL] = wrap + tail;
    h[WRAP] = -1;
    return h[TAIL];
  }

  #grow(atLeast: number): boolean {
    const data = this.state.data;
    const max = data.maxByteLength;
    if (atLeast > max) return false;
    let size = Math.max(data.byteLength, 1024);
    while (size < atLeast) size *= 2;
    data.grow(Math.min(size, max));
    return true;
  }

  #ensureCapacity(bytes: number): void {
    if (bytes > this.#u8.length && !this.#grow(bytes)) {
      throw new RangeError(
        `Cannot return items to the queue: they need ${bytes} bytes, more than its ${this.maxBytes}-byte limit.`,
      );
    }
  }

  /** Copies the live records out in order. */
  #linearize(): Uint8Array {
    const h = this.#h;
    if (h[COUNT] === 0) return new Uint8Array(0);
    if (h[WRAP] < 0) return this.#u8.slice(h[HEAD], h[TAIL]);
    const older = this.#u8.subarray(h[HEAD], h[WRAP]);
    const out = new Uint8Array(older.length + h[TAIL]);
    out.set(older);
    out.set(this.#u8.subarray(0, h[TAIL]), older.length);
    return out;
  }

  #advance(next: number): void {
    const h = this.#h;
    h[COUNT]--;
    if (h[COUNT] === 0) {
      h[HEAD] = 0;
      h[TAIL] = 0;
      h[WRAP] = -1;
      return;
    }
    h[HEAD] = next;
    if (h[WRAP] >= 0 && next === h[WRAP]) {
      h[HEAD] = 0;
      h[WRAP] = -1;
    }
  }
}

/** A promise settled when `signal` aborts; disposing removes the listener. */
export class AbortWatch implements Disposable {
  /** Settles on abort; undefined without a signal. */
  readonly promise?: Promise<void>;
  #cleanup?: () => void;

  constructor(signal?: AbortSignal) {
    if (!signal) return;
    this.promise = new Promise((resolve) => {
      const onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#cleanup = () => signal.removeEventListener("abort", onAbort);
    });
  }

  [Symbol.dispose](): void {
    this.#cleanup?.();
  }
}

function words(which: "put" | "get" | "done"): [number, number] {
  if (which === "put") return [PUT_SEQ, GET_WAITERS];
  if (which === "get") return [GET_SEQ, PUT_WAITERS];
  return [DONE_SEQ, JOIN_WAITERS];
}
