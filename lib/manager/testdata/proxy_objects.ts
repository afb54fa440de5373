// User classes served by the test master (lib/manager/proxy_test.ts).
import { Full } from "../../errors/queue.ts";

/** An error class of the user's own. */
export class OverLimit extends Error {
  override name = "OverLimit";
}

/** A user class with state, served by its methods. */
export class Tally {
  total: number;
  #calls = 0;

  constructor(start = 0) {
    this.total = start;
  }

  add(n: number): number {
    this.#calls++;
    return (this.total += n);
  }

  async later(n: number): Promise<number> {
    await Promise.resolve();
    return this.add(n);
  }

  calls(): number {
    return this.#calls;
  }

  failWith(kind: string): never {
    if (kind === "full") throw new Full("the tally is full");
    if (kind === "range") throw new RangeError("out of range");
    throw new OverLimit("over the limit");
  }

  _secret(): string {
    return "hidden";
  }
}
