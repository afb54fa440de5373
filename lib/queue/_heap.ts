// The item store of a PriorityQueue or LifoQueue ring: a binary heap in
// shared memory, so the order holds whichever thread puts or gets. Entries
// (sort key, arrival number, record) are appended to the ring's data buffer;
// the heap itself is an array of their offsets in a second shared buffer.
// Taking an entry leaves a hole that is reclaimed by compacting the live
// entries once holes are half the buffer, so a put costs O(log n) and bytes
// are copied O(1) times per item on average. Every method runs with the
// ring's lock held.
//
// Ties go to the older entry (FIFO), which Python's heapq does not promise
// but users expect; a LifoQueue is the same heap ordered by newest first.

import { compareKeys, firstNumber, writeKey } from "./_priority_key.ts";
import {
  type Prepared,
  readRecord,
  recordBytes,
  type RecordOut,
  writeRecord,
} from "./_record.ts";

// Entry layout: u32 entry bytes, u32 key bytes, f64 arrival, f64 first
// priority (NaN when it is not a number), key, record. The first priority
// decides most comparisons without reading the key.
const ENTRY_HEADER = 24;
// Index layout: f64 next arrival, f64 next arrival at the front (counts
// down, for items given back), then one i32 offset per entry.
const INDEX_HEADER = 16;
const SLOTS = INDEX_HEADER / 4;
/** The smallest entry: header, an empty key and an 8-byte record. */
const SMALLEST_ENTRY = ENTRY_HEADER + 8;

/** Where the store keeps its counts in the ring's header words. */
export interface HeapWords {
  count: number;
  tail: number;
  dead: number;
}

/** Bytes an entry needs in the data buffer for a prepared item with a key. */
export function entryBytes(p: Prepared): number {
  return ENTRY_HEADER + align4(p.keyBytes) + recordBytes(p);
}

/** A fresh index buffer for a data buffer that may grow to `maxBytes`. */
export function createIndex(maxBytes: number): SharedArrayBuffer {
  const max = INDEX_HEADER + 4 * Math.ceil(maxBytes / SMALLEST_ENTRY);
  return new SharedArrayBuffer(Math.min(4096, max), { maxByteLength: max });
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The heap over one ring's buffers; cheap to construct. */
export class HeapStore {
  readonly #h: Int32Array;
  readonly #w: HeapWords;
  readonly #data: SharedArrayBuffer;
  readonly #index: SharedArrayBuffer;
  // Fixed-length views, made again when a buffer grew: V8 reads through
  // length-tracking views of a growable buffer ~8x slower, and a heap
  // operation makes dozens of reads.
  #u8!: Uint8Array;
  #view!: DataView;
  #slots!: Int32Array;
  #arrivals!: Float64Array;
  readonly #lifo: boolean;
  readonly #grow: (atLeast: number) => boolean;

  constructor(
    h: Int32Array,
    words: HeapWords,
    data: SharedArrayBuffer,
    index: SharedArrayBuffer,
    lifo: boolean,
    grow: (atLeast: number) => boolean,
  ) {
    this.#h = h;
    this.#w = words;
    this.#data = data;
    this.#index = index;
    this.#lifo = lifo;
    this.#grow = grow;
    this.#viewData();
    this.#viewIndex();
  }

  #viewData(): void {
    const data = this.#data;
    this.#u8 = new Uint8Array(data, 0, data.byteLength);
    this.#view = new DataView(data, 0, data.byteLength);
  }

  #viewIndex(): void {
    const index = this.#index;
    this.#slots = new Int32Array(index, 0, index.byteLength / 4);
    this.#arrivals = new Float64Array(index, 0, 2);
  }

  // Another thread may have grown a buffer since this one last looked.
  #refresh(): void {
    if (this.#u8.length !== this.#data.byteLength) this.#viewData();
    if (this.#slots.length * 4 !== this.#index.byteLength) this.#viewIndex();
  }

  /**
   * Adds an entry; false when the buffers cannot hold it. `front` gives it
   * the place of an item taken earlier (one a remote handle gave back).
   */
  push(p: Prepared, front = false, nth = 0, of = 1): boolean {
    this.#refresh();
    const h = this.#h, w = this.#w;
    const n = h[w.count];
    if (n === 0) h[w.tail] = h[w.dead] = 0;
    if (!this.#roomForSlot(n + 1)) return false;
    const keyBytes = p.keyBytes;
    const at = this.#reserve(entryBytes(p));
    if (at < 0) return false;
    const view = this.#view;
    view.setUint32(at + 4, keyBytes, true);
    view.setFloat64(at + 8, this.#arrival(front, nth, of), true);
    view.setFloat64(at + 16, firstNumber(p.keyItem), true);
    if (keyBytes > 0) writeKey(view, at + ENTRY_HEADER, p.keyItem);
    const end = writeRecord(
      this.#u8,
      view,
      at + ENTRY_HEADER + align4(keyBytes),
      p,
    );
    view.setUint32(at, end - at, true);
    h[w.tail] = end;
    this.#slots[SLOTS + n] = at;
    this.#siftUp(n);
    return true;
  }

  /** Takes the first entry into `out` (the ring holds at least one). */
  pop(out: RecordOut): void {
    this.#refresh();
    const h = this.#h, w = this.#w, slots = this.#slots, view = this.#view;
    const n = h[w.count];
    const at = slots[SLOTS];
    readRecord(
      this.#u8,
      view,
      at + ENTRY_HEADER + align4(view.getUint32(at + 4, true)),
      out,
    );
    h[w.count] = n - 1;
    if (n === 1) {
      h[w.tail] = h[w.dead] = 0;
      return;
    }
    h[w.dead] += view.getUint32(at, true);
    slots[SLOTS] = slots[SLOTS + n - 1];
    this.#siftDown(0, n - 1);
  }

  // Arrival numbers: FIFO among equal keys; a LifoQueue's whole order.
  // Doubles count exactly to 2**53, far beyond any queue's lifetime.
  #arrival(front: boolean, nth: number, of: number): number {
    const arrivals = this.#arrivals;
    if (!front) return arrivals[0]++;
    if (this.#lifo) {
      // Given back top first: the first must come out first again.
      const base = arrivals[0];
      if (nth === of - 1) arrivals[0] += of;
      return base + (of - 1 - nth);
    }
    const base = arrivals[1] - of;
    if (nth === of - 1) arrivals[1] -= of;
    return base + nth;
  }

  #before(a: number, b: number): boolean {
    const view = this.#view;
    const sa = view.getFloat64(a + 8, true), sb = view.getFloat64(b + 8, true);
    if (this.#lifo) return sa > sb;
    const pa = view.getFloat64(a + 16, true),
      pb = view.getFloat64(b + 16, true);
    if (pa < pb) return true;
    if (pa > pb) return false;
    const c = compareKeys(view, a + ENTRY_HEADER, b + ENTRY_HEADER);
    return c < 0 || (c === 0 && sa < sb);
  }

  #siftUp(i: number): void {
    const slots = this.#slots;
    const item = slots[SLOTS + i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = slots[SLOTS + parent];
      if (!this.#before(item, p)) break;
      slots[SLOTS + i] = p;
      i = parent;
    }
    slots[SLOTS + i] = item;
  }

  #siftDown(i: number, n: number): void {
    const slots = this.#slots;
    const item = slots[SLOTS + i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (
        right < n && this.#before(slots[SLOTS + right], slots[SLOTS + child])
      ) child = right;
      const c = slots[SLOTS + child];
      if (!this.#before(c, item)) break;
      slots[SLOTS + i] = c;
      i = child;
    }
    slots[SLOTS + i] = item;
  }

  #roomForSlot(n: number): boolean {
    const index = this.#index;
    const need = INDEX_HEADER + 4 * n;
    if (need <= index.byteLength) return true;
    if (need > index.maxByteLength) return false;
    index.grow(
      Math.min(Math.max(need, index.byteLength * 2), index.maxByteLength),
    );
    this.#viewIndex();
    return true;
  }

  /** Offset where `need` bytes may go (compacting or growing), or -1. */
  #reserve(need: number): number {
    const h = this.#h, w = this.#w;
    const fits = () => h[w.tail] + need <= this.#u8.length;
    const grown = () => {
      if (!this.#grow(h[w.tail] + need)) return false;
      this.#viewData();
      return true;
    };
    if (fits()) return h[w.tail];
    if (h[w.dead] * 2 >= h[w.tail]) this.#compact();
    if (fits() || grown()) return h[w.tail];
    if (h[w.dead] > 0) this.#compact();
    if (fits() || grown()) return h[w.tail];
    return -1;
  }

  /** Moves the live entries to the start of the buffer, in place. */
  #compact(): void {
    const h = this.#h, w = this.#w, slots = this.#slots, view = this.#view;
    const n = h[w.count];
    const byOffset = new Int32Array(n);
    for (let i = 0; i < n; i++) byOffset[i] = i;
    byOffset.sort((a, b) => slots[SLOTS + a] - slots[SLOTS + b]);
    let to = 0;
    for (const i of byOffset) {
      const from = slots[SLOTS + i];
      const bytes = view.getUint32(from, true);
      if (from !== to) this.#u8.copyWithin(to, from, from + bytes);
      slots[SLOTS + i] = to;
      to += bytes;
    }
    h[w.tail] = to;
    h[w.dead] = 0;
  }
}
