// Codecs rebuild a shared object by running its public constructor, which
// must then take over the existing shared state instead of allocating fresh.
// The constructor's signature cannot carry that state without widening the
// public API, so it is lent for the (synchronous) construction instead.

/** State lent to a constructor while a codec revives an object. */
export class Adoption<S> {
  #state: S | undefined;

  /** The state to take over; undefined when constructing a fresh object. */
  get state(): S | undefined {
    return this.#state;
  }

  /** Runs `make` with `state` lent to the constructor it calls. */
  lend<T>(state: S, make: () => T): T {
    this.#state = state;
    try {
      return make();
    } finally {
      this.#state = undefined;
    }
  }
}
