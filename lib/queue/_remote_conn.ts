// A pipe end's link to the owner's end in another process (the handle a
// child receives for a Connection passed to it).

import type { RemoteCall } from "../_crossing/codec.ts";
import { isPrimitive, Payload, prepareArgs } from "../_crossing/payload.ts";

/** Sends in per-tick batches, in order; failures of sends surface at the next call. */
export class RemoteConn {
  readonly #call: RemoteCall;
  #batch: unknown[] = [];
  #scheduled = false;
  #failure: unknown;
  // The owner's end knows; a handle reports both and lets the owner refuse.
  readable = true;
  writable = true;

  constructor(call: RemoteCall) {
    this.#call = call;
  }

  send(message: unknown): void {
    if (this.#failure !== undefined) throw this.#take();
    const args = isPrimitive(message)
      ? [[message]]
      : prepareArgs(this.#call, [[message]], uncloneableMessage);
    if (args instanceof Payload) {
      // Encoded already (only its encoding could vouch for it): after the
      // batch so far, on its own.
      this.#flush();
      return this.#fire(args);
    }
    this.#batch.push((args[0] as unknown[])[0]);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // On the channel before the sending code resumes from its next await.
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  async recv(
    timeout: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    return await this.#invoke("recv", [{ timeout }], signal);
  }

  async poll(timeout: number): Promise<unknown> {
    return await this.#invoke("poll", [timeout]);
  }

  close(): void {
    this.#flush();
    this.#call("close", []).catch(() => {});
  }

  async #invoke(
    method: string,
    args: unknown[],
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (this.#failure !== undefined) throw this.#take();
    this.#flush();
    return await this.#call(method, args, signal ? { signal } : undefined);
  }

  #flush(): void {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#fire([batch]);
  }

  #fire(args: unknown[] | Payload): void {
    this.#call("sendMany", args).catch((error) => {
      this.#failure ??= error;
    });
  }

  #take(): unknown {
    const failure = this.#failure;
    this.#failure = undefined;
    return failure;
  }
}

function uncloneableMessage(reason: string): string {
  return `Cannot send the message as it cannot be cloned (${reason}). Nothing was sent.`;
}
