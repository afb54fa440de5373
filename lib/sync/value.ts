// Typed numbers in shared memory [multiprocessing.Value / Array]. Integer
// types use Atomics directly; float types are read, written and added
// atomically through an integer view of the same bytes (compareExchange on
// the bit pattern), since Atomics does not accept Float32/Float64 arrays.

import {
  codecFor,
  registerCodec,
  type TransferCodec,
} from "../_crossing/codec.ts";
import { Lock } from "./lock.ts";
import { Adoption } from "../_crossing/adopt.ts";

/**
 * Element types of {@linkcode Value} and {@linkcode SharedArray}: typed-array
 * names (`"i32"`, `"f64"`...) or Python's array typecodes (`"i"`, `"d"`...).
 *
 * @example
 * ```ts
 * import { Value, type ValueType } from "@multitask/core";
 *
 * const type: ValueType = "d"; // Python's double, same as "f64"
 * console.log(new Value(type, 0.5).type); // "f64"
 * ```
 */
export type ValueType =
  | "i8"
  | "u8"
  | "i16"
  | "u16"
  | "i32"
  | "u32"
  | "i64"
  | "u64"
  | "f32"
  | "f64"
  | "b"
  | "B"
  | "h"
  | "H"
  | "i"
  | "I"
  | "l"
  | "L"
  | "q"
  | "Q"
  | "f"
  | "d";

/**
 * What one element holds: `bigint` for the 64-bit integer types, else `number`.
 *
 * @example
 * ```ts
 * import type { Scalar } from "@multitask/core";
 *
 * const big: Scalar<"i64"> = 1n;
 * const small: Scalar<"i32"> = 1;
 * console.log(big, small); // 1n 1
 * ```
 */
export type Scalar<T extends ValueType> = T extends
  "i64" | "u64" | "l" | "L" | "q" | "Q" ? bigint
  : number;

type IntArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

interface Kind {
  name: string;
  bytes: number;
  make(
    buffer: SharedArrayBuffer,
    length: number,
  ): IntArray | Float32Array | Float64Array;
  float?: "f32" | "f64";
}

const KINDS: Record<string, Kind> = {
  i8: { name: "i8", bytes: 1, make: (b, n) => new Int8Array(b, 0, n) },
  u8: { name: "u8", bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  i16: { name: "i16", bytes: 2, make: (b, n) => new Int16Array(b, 0, n) },
  u16: { name: "u16", bytes: 2, make: (b, n) => new Uint16Array(b, 0, n) },
  i32: { name: "i32", bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
  u32: { name: "u32", bytes: 4, make: (b, n) => new Uint32Array(b, 0, n) },
  i64: { name: "i64", bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  u64: { name: "u64", bytes: 8, make: (b, n) => new BigUint64Array(b, 0, n) },
  f32: {
    name: "f32",
    bytes: 4,
    make: (b, n) => new Float32Array(b, 0, n),
    float: "f32",
  },
  f64: {
    name: "f64",
    bytes: 8,
    make: (b, n) => new Float64Array(b, 0, n),
    float: "f64",
  },
};
const PYTHON: Record<string, string> = {
  b: "i8",
  B: "u8",
  h: "i16",
  H: "u16",
  i: "i32",
  I: "u32",
  l: "i64",
  L: "u64",
  q: "i64",
  Q: "u64",
  f: "f32",
  d: "f64",
};

function kindOf(type: unknown, who: string): Kind {
  const kind = typeof type === "string"
    ? KINDS[PYTHON[type] ?? type]
    : undefined;
  if (!kind) {
    throw new TypeError(
      `Cannot create ${who} as 'type' must be one of ${
        Object.keys(KINDS).join(", ")
      } (or a Python typecode ${Object.keys(PYTHON).join("")}): received ${
        JSON.stringify(type)
      }`,
    );
  }
  return kind;
}

// Atomic element access for every kind; floats go through an integer view.
class Cells {
  readonly kind: Kind;
  readonly view: IntArray | Float32Array | Float64Array;
  // Typed as Int32Array only to satisfy Atomics' overloads; at run time it
  // may be any integer view, and 64-bit views hold bigints.
  readonly #ints: Int32Array;
  // Scratch pair converting one float to its bits and back.
  readonly #fl?: Float32Array | Float64Array;
  readonly #bits?: Int32Array | BigInt64Array;

  constructor(kind: Kind, buffer: SharedArrayBuffer, length: number) {
    this.kind = kind;
    this.view = kind.make(buffer, length);
    if (kind.float === "f32") {
      this.#ints = new Int32Array(buffer, 0, length) as Int32Array;
      const scratch = new ArrayBuffer(4);
      this.#fl = new Float32Array(scratch);
      this.#bits = new Int32Array(scratch);
    } else if (kind.float === "f64") {
      this.#ints = new BigInt64Array(
        buffer,
        0,
        length,
      ) as unknown as Int32Array;
      const scratch = new ArrayBuffer(8);
      this.#fl = new Float64Array(scratch);
      this.#bits = new BigInt64Array(scratch);
    } else this.#ints = this.view as unknown as Int32Array;
  }

  load(i: number): number | bigint {
    const raw = Atomics.load(this.#ints, i);
    if (!this.#bits) return raw;
    this.#bits[0] = raw as never;
    return this.#fl![0];
  }

  store(i: number, value: number | bigint): void {
    Atomics.store(this.#ints, i, this.#toRaw(value) as never);
  }

  add(i: number, delta: number | bigint): number | bigint {
    if (!this.#bits) return Atomics.add(this.#ints, i, delta as never);
    const ints = this.#ints;
    let raw = Atomics.load(ints, i);
    for (;;) {
      this.#bits[0] = raw as never;
      const previous = this.#fl![0];
      const next = this.#toRaw(previous + (delta as number));
      const seen = Atomics.compareExchange(
        ints,
        i,
        raw as never,
        next as never,
      );
      if (seen === raw) return previous;
      raw = seen;
    }
  }

  #toRaw(value: number | bigint): number | bigint {
    if (!this.#bits) return value;
    this.#fl![0] = value as number;
    return this.#bits[0];
  }

  check(value: unknown, who: string): void {
    const big = this.kind.name === "i64" || this.kind.name === "u64";
    if (big ? typeof value !== "bigint" : typeof value !== "number") {
      throw new TypeError(
        `Cannot ${who} as a ${this.kind.name} holds ${
          big ? "a bigint" : "a number"
        }: received ${typeof value}`,
      );
    }
  }
}

interface SharedCells {
  type: string;
  buffer: SharedArrayBuffer;
  length: number;
  lock: SharedArrayBuffer;
}

const lockCodec = (): TransferCodec<Lock, SharedArrayBuffer> =>
  codecFor("Lock") as unknown as TransferCodec<Lock, SharedArrayBuffer>;

const adoption = new Adoption<{ cells: Cells; lock: Lock }>();

/**
 * One typed number in shared memory [multiprocessing.Value]: threads that
 * receive it read and write the same memory. `value` reads and writes
 * atomically; `add(delta)` is an atomic read-modify-write returning the
 * previous value (like `Atomics.add`); use `lock` for anything longer
 * (`value = value * 2 + 1`).
 *
 * @example
 * ```ts
 * import { Value } from "@multitask/core";
 *
 * const counter = new Value("i32", 0);
 * console.log(counter.add(5), counter.value); // 0 5
 * {
 *   using _ = await counter.lock.hold();
 *   counter.value = counter.value * 2;
 * }
 * console.log(counter.value); // 10
 * ```
 */
export class Value<T extends ValueType = ValueType> {
  #cells: Cells;
  #lock: Lock;

  /** Creates a shared `type` number holding `initial` (default 0). */
  constructor(type: T, initial?: Scalar<T>) {
    const adopted = adoption.state;
    if (adopted) {
      ({ cells: this.#cells, lock: this.#lock } = adopted);
      return;
    }
    const kind = kindOf(type, "Value");
    this.#cells = new Cells(kind, new SharedArrayBuffer(kind.bytes), 1);
    this.#lock = new Lock();
    if (initial !== undefined) {
      this.#cells.check(initial, "create Value");
      this.#cells.store(0, initial);
    }
  }

  /** The element type, as a typed-array name ("i32", "f64"...). */
  get type(): string {
    return this.#cells.kind.name;
  }

  /** The current value (an atomic read). */
  get value(): Scalar<T> {
    return this.#cells.load(0) as Scalar<T>;
  }

  /** Replaces the value (an atomic write). */
  set value(value: Scalar<T>) {
    this.#cells.check(value, "set Value.value");
    this.#cells.store(0, value);
  }

  /** A lock shared with the value, for compound updates [Value.get_lock()]. */
  get lock(): Lock {
    return this.#lock;
  }

  /**
   * Reads the value; the method form of `.value`, callable from another process.
   *
   * @example
   * ```ts
   * import { Value } from "@multitask/core";
   *
   * console.log(new Value("d", 1.5).get()); // 1.5
   * ```
   */
  get(): Scalar<T> {
    return this.value;
  }

  /**
   * Writes the value; the method form of `.value = x`.
   *
   * @example
   * ```ts
   * import { Value } from "@multitask/core";
   *
   * const v = new Value("i32");
   * v.set(7);
   * console.log(v.value); // 7
   * ```
   */
  set(value: Scalar<T>): void {
    this.value = value;
  }

  /**
   * Atomically adds `delta` (negative to subtract) and returns the previous
   * value. Integer types wrap around like their typed array.
   *
   * @example
   * ```ts
   * import { Value } from "@multitask/core";
   *
   * const hits = new Value("i64", 10n);
   * console.log(hits.add(-3n), hits.value); // 10n 7n
   * ```
   */
  add(delta: Scalar<T>): Scalar<T> {
    this.#cells.check(delta, "add to a Value");
    return this.#cells.add(0, delta) as Scalar<T>;
  }

  static {
    registerCodec<Value, SharedCells>({
      tag: "Value",
      type: Value,
      share: (v) => shareCells(v.#cells, 1, v.#lock),
      revive: (state) =>
        adopting(state, () => new Value(state.type as ValueType)),
      remote: ["get", "set", "add"],
    });
  }
}

function reviveCells(state: SharedCells): Cells {
  return new Cells(kindOf(state.type, "Value"), state.buffer, state.length);
}

/** The transfer state of a Value (length 1) or a SharedArray. */
function shareCells(cells: Cells, length: number, lock: Lock): SharedCells {
  return {
    type: cells.kind.name,
    buffer: cells.view.buffer as SharedArrayBuffer,
    length,
    lock: lockCodec().share(lock),
  };
}

/** Runs the Value or SharedArray constructor in `make` on shared state. */
function adopting<T>(state: SharedCells, make: () => T): T {
  const adopted = {
    cells: reviveCells(state),
    lock: lockCodec().revive(state.lock),
  };
  return adoption.lend(adopted, make);
}

/**
 * A fixed-length typed array in shared memory [multiprocessing.Array].
 * `array` is the raw typed view for bulk reads and writes; `get`, `set` and
 * `add` are atomic per element; `lock` guards compound updates.
 *
 * @example
 * ```ts
 * import { SharedArray } from "@multitask/core";
 *
 * const squares = new SharedArray("i32", [0, 1, 4]);
 * squares.set(2, 9);
 * console.log(squares.length, squares.toArray()); // 3 [ 0, 1, 9 ]
 * ```
 */
export class SharedArray<T extends ValueType = ValueType> {
  #cells: Cells;
  #lock: Lock;

  /** Creates `length` zeroes, or a copy of `values`, of element type `type`. */
  constructor(type: T, lengthOrValues: number | Iterable<Scalar<T>>) {
    const adopted = adoption.state;
    if (adopted) {
      ({ cells: this.#cells, lock: this.#lock } = adopted);
      return;
    }
    const kind = kindOf(type, "SharedArray");
    const values = typeof lengthOrValues === "number"
      ? undefined
      : [...lengthOrValues];
    const length = values ? values.length : lengthOrValues as number;
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(
        `Cannot create SharedArray as 'length' must be an integer >= 0: received ${
          String(length)
        }`,
      );
    }
    this.#cells = new Cells(
      kind,
      new SharedArrayBuffer(kind.bytes * length),
      length,
    );
    this.#lock = new Lock();
    values?.forEach((value, i) => {
      this.#cells.check(value, "create SharedArray");
      this.#cells.store(i, value);
    });
  }

  /** The element type, as a typed-array name. */
  get type(): string {
    return this.#cells.kind.name;
  }

  /** Number of elements. */
  get length(): number {
    return this.#cells.view.length;
  }

  /** The raw typed view over the shared memory (plain, non-atomic access). */
  get array():
    | Int8Array
    | Uint8Array
    | Int16Array
    | Uint16Array
    | Int32Array
    | Uint32Array
    | BigInt64Array
    | BigUint64Array
    | Float32Array
    | Float64Array {
    return this.#cells.view as never;
  }

  /** A lock shared with the array, for compound updates. */
  get lock(): Lock {
    return this.#lock;
  }

  /**
   * Atomically reads element `index`.
   *
   * @example
   * ```ts
   * import { SharedArray } from "@multitask/core";
   *
   * console.log(new SharedArray("f64", [0.5]).get(0)); // 0.5
   * ```
   */
  get(index: number): Scalar<T> {
    return this.#cells.load(this.#index(index)) as Scalar<T>;
  }

  /**
   * Atomically writes element `index`.
   *
   * @example
   * ```ts
   * import { SharedArray } from "@multitask/core";
   *
   * const a = new SharedArray("u8", 2);
   * a.set(1, 255);
   * console.log(a.get(1)); // 255
   * ```
   */
  set(index: number, value: Scalar<T>): void {
    this.#cells.check(value, "set a SharedArray element");
    this.#cells.store(this.#index(index), value);
  }

  /**
   * Atomically adds `delta` to element `index`, returning its previous value.
   *
   * @example
   * ```ts
   * import { SharedArray } from "@multitask/core";
   *
   * const counts = new SharedArray("i32", 4);
   * counts.add(2, 1);
   * console.log(counts.toArray()); // [ 0, 0, 1, 0 ]
   * ```
   */
  add(index: number, delta: Scalar<T>): Scalar<T> {
    this.#cells.check(delta, "add to a SharedArray element");
    return this.#cells.add(this.#index(index), delta) as Scalar<T>;
  }

  /**
   * Copies the elements into a plain array.
   *
   * @example
   * ```ts
   * import { SharedArray } from "@multitask/core";
   *
   * console.log(new SharedArray("i", 2).toArray()); // [ 0, 0 ]
   * ```
   */
  toArray(): Scalar<T>[] {
    return Array.from(
      { length: this.length },
      (_, i) => this.#cells.load(i) as Scalar<T>,
    );
  }

  /** Iterates the elements (atomic reads). */
  [Symbol.iterator](): IterableIterator<Scalar<T>> {
    return this.toArray()[Symbol.iterator]();
  }

  #index(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(
        `SharedArray index out of range: ${
          String(index)
        } is not an integer from 0 to ${this.length - 1}`,
      );
    }
    return index;
  }

  static {
    registerCodec<SharedArray, SharedCells>({
      tag: "SharedArray",
      type: SharedArray,
      share: (a) => shareCells(a.#cells, a.length, a.#lock),
      revive: (state) =>
        adopting(state, () => new SharedArray(state.type as ValueType, 0)),
      remote: ["get", "set", "add", "toArray"],
    });
  }
}
