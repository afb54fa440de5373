// The sort key of a PriorityQueue item, laid out as bytes so any thread can
// compare two items in shared memory without deserializing them. A key is a
// list of elements, each a tag byte and its value: numbers and strings as
// Python compares them, element by element for `[priority, data]` arrays, up
// to the first element that is neither (an object, say), which compares equal
// to anything: there Python would raise TypeError, and we keep FIFO instead.

const END = 0; // the array ended: shorter arrays come first, as in Python
const NUMBER = 1;
const STRING = 2;
const OPAQUE = 3; // not a number or string: equal to anything from here on

/**
 * Bytes of the key of `item`: a number, a string, or an array whose first
 * element is one. Throws a TypeError for anything else, before anything is
 * queued.
 */
export function priorityKeySize(item: unknown): number {
  if (!Array.isArray(item)) {
    if (typeof item === "number" && !Number.isNaN(item)) return 10;
    if (typeof item === "string") return 6 + 2 * item.length;
    throw refused(item);
  }
  if (!comparable(item[0])) throw refused(item[0]);
  let size = 1;
  for (const e of item) {
    if (!comparable(e)) break;
    size += typeof e === "number" ? 9 : 5 + 2 * (e as string).length;
  }
  return size;
}

/**
 * Writes the key of `item` at `at` (its size from priorityKeySize), straight
 * into shared memory: a buffer per item cost more than the heap's work.
 */
export function writeKey(view: DataView, at: number, item: unknown): void {
  const elements = Array.isArray(item) ? item : [item];
  for (const e of elements) {
    if (typeof e === "number") {
      view.setUint8(at, NUMBER);
      view.setFloat64(at + 1, e, true);
      at += 9;
    } else if (typeof e === "string") {
      view.setUint8(at, STRING);
      view.setUint32(at + 1, e.length, true);
      at += 5;
      for (let i = 0; i < e.length; i++, at += 2) {
        view.setUint16(at, e.charCodeAt(i), true);
      }
    } else {
      view.setUint8(at, OPAQUE);
      return;
    }
  }
  view.setUint8(at, END);
}

/** The priority of `item` when it is a number, else NaN (compared by key). */
export function firstNumber(item: unknown): number {
  const first = Array.isArray(item) ? item[0] : item;
  return typeof first === "number" ? first : NaN;
}

function comparable(value: unknown): boolean {
  if (typeof value === "string") return true;
  return typeof value === "number" && !Number.isNaN(value);
}

function refused(value: unknown): TypeError {
  const shown = typeof value === "number"
    ? "NaN, which has no order"
    : Array.isArray(value)
    ? "an array"
    : value === null
    ? "null"
    : typeof value;
  return new TypeError(
    `Cannot put into PriorityQueue as its items must be numbers, strings or [priority, data] arrays whose priority is a number or a string: received ${shown}. Wrap other data as [priority, data]. Nothing was queued.`,
  );
}

/**
 * Compares the keys at byte offsets `a` and `b` of `view`: negative when
 * the first comes first, 0 when they tie (the older item then goes first).
 */
export function compareKeys(view: DataView, a: number, b: number): number {
  for (;;) {
    const ta = view.getUint8(a), tb = view.getUint8(b);
    if (ta === OPAQUE || tb === OPAQUE) return 0;
    // Numbers before strings (Python would raise TypeError on the mix).
    if (ta !== tb) return ta - tb;
    if (ta === END) return 0;
    if (ta === NUMBER) {
      const x = view.getFloat64(a + 1, true), y = view.getFloat64(b + 1, true);
      if (x !== y) return x < y ? -1 : 1;
      a += 9;
      b += 9;
      continue;
    }
    const la = view.getUint32(a + 1, true), lb = view.getUint32(b + 1, true);
    a += 5;
    b += 5;
    const common = Math.min(la, lb);
    for (let i = 0; i < common; i++) {
      const x = view.getUint16(a + 2 * i, true);
      const y = view.getUint16(b + 2 * i, true);
      if (x !== y) return x - y;
    }
    if (la !== lb) return la - lb;
    a += 2 * la;
    b += 2 * lb;
  }
}
