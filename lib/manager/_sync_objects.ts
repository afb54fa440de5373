// What a client's dict(), list() and namespace() create on the master
// [SyncManager's dict, list and Namespace]: a Map, an Array and a plain
// object, each behind methods, since a handle can only call methods. Every
// call runs on the master, one at a time, so each method is atomic for the
// clients sharing the instance (setDefault is the usual get-or-set race).

/** A Map behind methods [SyncManager.dict]. */
export class DictObject {
  #map: Map<unknown, unknown>;

  constructor(entries?: Iterable<readonly [unknown, unknown]>) {
    this.#map = new Map(entries ?? []);
  }

  get(key: unknown): unknown {
    return this.#map.get(key);
  }

  set(key: unknown, value: unknown): void {
    this.#map.set(key, value);
  }

  has(key: unknown): boolean {
    return this.#map.has(key);
  }

  delete(key: unknown): boolean {
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  size(): number {
    return this.#map.size;
  }

  keys(): unknown[] {
    return [...this.#map.keys()];
  }

  values(): unknown[] {
    return [...this.#map.values()];
  }

  entries(): [unknown, unknown][] {
    return [...this.#map.entries()];
  }

  setDefault(key: unknown, value: unknown): unknown {
    if (!this.#map.has(key)) this.#map.set(key, value);
    return this.#map.get(key);
  }

  update(entries: Iterable<readonly [unknown, unknown]>): void {
    for (const [key, value] of entries) this.#map.set(key, value);
  }

  copy(): Map<unknown, unknown> {
    return new Map(this.#map);
  }
}

/** An Array behind methods [SyncManager.list]. Indices may be negative, as in Python. */
export class ListObject {
  #items: unknown[];

  constructor(items?: Iterable<unknown>) {
    this.#items = [...(items ?? [])];
  }

  get(index: number): unknown {
    return this.#items[this.#index(index, "get")];
  }

  set(index: number, value: unknown): void {
    this.#items[this.#index(index, "set")] = value;
  }

  push(...items: unknown[]): number {
    return this.#items.push(...items);
  }

  extend(items: unknown[]): number {
    return this.#items.push(...items);
  }

  insert(index: number, value: unknown): void {
    this.#items.splice(index, 0, value);
  }

  pop(index: number = -1): unknown {
    const at = this.#index(index, "pop from");
    return this.#items.splice(at, 1)[0];
  }

  remove(value: unknown): void {
    const at = this.#items.indexOf(value);
    if (at < 0) {
      throw new RangeError(
        `Cannot remove ${
          describe(value)
        } from the list: it is not in it (compared with ===, so only primitives match).`,
      );
    }
    this.#items.splice(at, 1);
  }

  indexOf(value: unknown): number {
    return this.#items.indexOf(value);
  }

  includes(value: unknown): boolean {
    return this.#items.includes(value);
  }

  length(): number {
    return this.#items.length;
  }

  slice(start?: number, end?: number): unknown[] {
    return this.#items.slice(start, end);
  }

  clear(): void {
    this.#items.length = 0;
  }

  copy(): unknown[] {
    return [...this.#items];
  }

  #index(index: number, what: string): number {
    const length = this.#items.length;
    const at = Number.isInteger(index) && index < 0 ? index + length : index;
    if (!Number.isInteger(at) || at < 0 || at >= length) {
      throw new RangeError(
        `Cannot ${what} the list at index ${String(index)}: ${
          length === 0
            ? "the list is empty"
            : `it must be an integer from ${-length} to ${length - 1}`
        }.`,
      );
    }
    return at;
  }
}

/** A plain object behind methods [SyncManager.Namespace]. */
export class NamespaceObject {
  #fields: Record<string, unknown> = Object.create(null);

  constructor(fields?: Record<string, unknown>) {
    if (fields) this.update(fields);
  }

  get(key: string): unknown {
    return this.#fields[checkKey(key)];
  }

  set(key: string, value: unknown): void {
    this.#fields[checkKey(key)] = value;
  }

  has(key: string): boolean {
    return checkKey(key) in this.#fields;
  }

  delete(key: string): boolean {
    const had = this.has(key);
    delete this.#fields[key];
    return had;
  }

  update(fields: Record<string, unknown>): void {
    for (const key of Object.keys(fields)) this.set(key, fields[key]);
  }

  copy(): Record<string, unknown> {
    return { ...this.#fields };
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== "string") {
    throw new TypeError(
      `Cannot use ${
        describe(key)
      } as a namespace field: field names are strings. Use client.dict() for other keys.`,
    );
  }
  return key;
}

function describe(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The factories behind client.dict() / list() / namespace(), under reserved names. */
export const BUILTIN_FACTORIES: ReadonlyMap<
  string,
  (...args: never[]) => object
> = new Map<string, (...args: never[]) => object>([
  [
    "$dict",
    (entries?: Iterable<readonly [unknown, unknown]>) =>
      new DictObject(entries),
  ],
  ["$list", (items?: Iterable<unknown>) => new ListObject(items)],
  [
    "$namespace",
    (fields?: Record<string, unknown>) => new NamespaceObject(fields),
  ],
]);
