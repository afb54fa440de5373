// Parent side of a child Deno that runs targets: the plumbing under Process
// and the process Pool. (lib/subprocess/_child.ts is the subprocess module's
// plumbing; this is the "spawn" start method of Python's multiprocessing.)
// The child's permission flags come from _permissions.ts, the configuration
// it resolves imports with from _config.ts.
//
// Interface for the other modules:
//
//   const child = spawnChild({ name, daemon, permissions?, module?, cwd?, env? });
//   child.pid                       // available at once (spawn is synchronous)
//   await child.ready               // control channel connected and authenticated
//   const outcome = await child.invoke(spec, args, { signal? });
//                                   // runs a target, the child stays up (pools);
//                                   // many calls may be in flight (pipelined)
//   child.run([spec, args])         // runs a target, then the child exits with
//                                   // 0, or 1 after printing the error (Process)
//   await child.status              // { code, signal, success } once it exited
//                                   // (awaiting it keeps this process alive;
//                                   // child.exited does not)
//   child.kill("SIGTERM")           // signal it (no-op once it exited)
//   child.close()                   // close the channel: an idle pool child exits
//   child.exporter                  // the ObjectExporter for encodeValue
//
// `startChild(options)` is `spawnChild` + `await ready`.
// Arguments may be passed raw or already encoded with
// `encodeValue(args, child.exporter)` (encoding twice is harmless). Library
// objects in them (Queue, Event, Lock...) reach the child as live proxies that
// call back into this process over the same socket; results come back the
// same way.
//
// The control channel is a Unix domain socket with a random name in a fresh
// temp dir of mode 0700, removed as soon as the child connected, and
// authenticated with a random 32-byte key handed over in an environment
// variable the child deletes before running user code. The child's stdout and
// stderr are this process's; stdin is null.
//
// Lifetime: a non-daemon child keeps this process alive (its status promise
// is pending) like Python joining non-daemon children at exit. A daemon child
// is unref'd, killed by an "unload" listener when this process exits, and
// exits by itself when the control socket closes, which also covers this
// process dying from a signal (even SIGKILL).

import { ObjectTable, type RemoteSession } from "../_crossing/session.ts";
import { openSession } from "../_crossing/opener.ts";
import {
  defineTarget,
  SentTargets,
  type TargetSpec,
} from "../_crossing/target.ts";
import type { Outcomes } from "../_crossing/outcome.ts";
import type { ObjectExporter, ObjectImporter } from "../_crossing/codec.ts";
import { ChildStartError } from "../errors/process.ts";
import {
  channelFlags,
  type ChildPermissions,
  permissionFlags,
} from "./_permissions.ts";
import { configFlags } from "./_config.ts";
import type { CallOptions } from "../_crossing/rpc.ts";

export { ChildStartError };

/** How to start a child. */
export interface ChildOptions {
  /** Shown as currentProcess().name inside the child. */
  name: string;
  /** Killed when this process exits, and exits when this process dies. */
  daemon: boolean;
  /** Default "inherit". Validate with `permissionFlags` beforehand to fail early. */
  permissions?: ChildPermissions;
  /** URL of the target's module: the child discovers deno.json from its directory. */
  module?: string;
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Largest message on the control channel (default 64 MiB). */
  maxFrameSize?: number;
  /** Where objects passed to the child are exported, if some were before it started (prepareParams). */
  table?: ObjectTable;
  /** V8 flags for the child (`--v8-flags=`), e.g. a pool's heap limit. */
  v8Flags?: string[];
}

const ENV_KEY = "MULTITASK_CHILD_KEY";
const ENV_SOCKET = "MULTITASK_CHILD_SOCKET";
const ENV_NAME = "MULTITASK_CHILD_NAME";
const ENV_DAEMON = "MULTITASK_CHILD_DAEMON";
const ENV_FRAME = "MULTITASK_CHILD_FRAME";
const CHILD_ENV = [ENV_KEY, ENV_SOCKET, ENV_NAME, ENV_DAEMON, ENV_FRAME];
const DEFAULT_FRAME = 64 * 1024 * 1024;
const MAIN = new URL("./_main.ts", import.meta.url).href;

// Shared across copies of this module (a user's import map may load a second
// copy), so exit handling sees every child.
const registry: Set<Child> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("multitask.children")
] ??= new Set<Child>()) as Set<Child>;

let unloadInstalled = false;

function installUnload(): void {
  if (unloadInstalled) return;
  unloadInstalled = true;
  globalThis.addEventListener("unload", () => {
    for (const child of registry) child.abandon();
  });
}

/** Children of this process that have not exited yet. */
export function liveChildren(): Child[] {
  return [...registry];
}

/** A child Deno connected over an authenticated control socket. */
export class Child {
  readonly name: string;
  readonly daemon: boolean;
  readonly pid: number;
  /** Resolves once the control channel is up; rejects if the child died first. */
  readonly ready: Promise<void>;
  #status: Promise<Deno.CommandStatus>;
  #process: Deno.ChildProcess;
  #session: RemoteSession | null = null;
  #closing = false;
  // A spec crosses once; later calls name it by id (pools call the same
  // target many times).
  #targets = new SentTargets();
  #exited = false;
  #dir: string;
  #table: ObjectTable;
  /** One-way messages from the child (ParentChannel.notify), in the order sent. */
  onNotify: ((method: string, params: unknown) => void) | undefined;

  constructor(options: ChildOptions) {
    this.#table = options.table ?? new ObjectTable();
    this.name = options.name;
    this.daemon = options.daemon;
    const permissions = permissionFlags(
      options.permissions ?? "inherit",
      this.name,
    );
    const key = crypto.getRandomValues(new Uint8Array(32));
    const frame = options.maxFrameSize ?? DEFAULT_FRAME;
    let listener: Deno.UnixListener | undefined;
    let path = "";
    this.#dir = "";
    try {
      this.#dir = Deno.makeTempDirSync({ prefix: "multitask-" });
      Deno.chmodSync(this.#dir, 0o700);
      path = `${this.#dir}/control.sock`;
      listener = Deno.listen({ transport: "unix", path });
      this.#process = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt", // a narrowed child fails instead of asking
          ...permissions,
          ...channelFlags(permissions, path, options.module, CHILD_ENV),
          ...configFlags(options.module),
          ...(options.v8Flags?.length
            ? [`--v8-flags=${options.v8Flags.join(",")}`]
            : []),
          MAIN,
        ],
        cwd: options.cwd,
        env: {
          ...options.env,
          [ENV_KEY]: toHex(key),
          [ENV_SOCKET]: path,
          [ENV_NAME]: this.name,
          [ENV_DAEMON]: this.daemon ? "1" : "0",
          [ENV_FRAME]: String(frame),
        },
        stdin: "null",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
    } catch (error) {
      listener?.close();
      this.#cleanup();
      const hint = error instanceof Deno.errors.NotCapable
        ? " A Process needs --allow-run (to start Deno.execPath()), --allow-net (its control channel is a Unix socket) and read/write access to the temp dir; run with -A, or grant those."
        : "";
      throw new ChildStartError(
        `Cannot start process '${this.name}': ${
          (error as Error).message
        }.${hint}`,
        { cause: error },
      );
    }
    this.pid = this.#process.pid;
    registry.add(this);
    installUnload();
    if (this.daemon) this.#process.unref();
    this.#status = this.#process.status.then(async (status) => {
      this.#exited = true;
      registry.delete(this);
      await this.#drained();
      this.#session?.close();
      this.#cleanup();
      return status;
    });
    this.ready = this.#connect(listener!, key, frame);
    // A failed start is reported through ready; keep it from being "unhandled".
    this.ready.catch(() => {});
  }

  /**
   * Resolves with the exit status; never rejects. Awaiting it keeps this
   * process alive until the child exits, daemon or not.
   */
  get status(): Promise<Deno.CommandStatus> {
    if (!this.#exited) this.#process.ref();
    return this.#status;
  }

  // What the child wrote before it died may still be unread in the socket
  // (a pool child's last results): the session reads on to the end of the
  // stream, which the child's exit closed, before the channel is closed. A
  // socket some grandchild still holds open gets a second.
  async #drained(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      session.closed,
      new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
    ]);
    clearTimeout(timer);
  }

  /** Resolves with the exit status like `status`, without keeping this process alive. */
  get exited(): Promise<Deno.CommandStatus> {
    return this.#status;
  }

  /** The exporter for encodeValue(args, child.exporter) and prepareParams. */
  get exporter(): ObjectExporter {
    return this.#table;
  }

  /** How values the child encoded itself find its objects (once connected). */
  get importer(): ObjectImporter | undefined {
    return this.#session?.importer;
  }

  /** True until the child process exited. */
  get running(): boolean {
    return !this.#exited;
  }

  async #connect(
    listener: Deno.UnixListener,
    key: Uint8Array,
    frame: number,
  ): Promise<void> {
    let conn: Deno.Conn;
    try {
      const accepted = await Promise.race([
        listener.accept(),
        this.#process.status.then(() => null),
      ]);
      if (!accepted) {
        throw new ChildStartError(
          `Process '${this.name}' (pid ${this.pid}) exited before connecting to its parent; see its error output above.`,
        );
      }
      conn = accepted;
    } finally {
      listener.close();
      this.#cleanup();
    }
    try {
      this.#session = await openSession(conn, key, {
        side: "server",
        maxFrameSize: frame,
        unrefWhenIdle: true,
        table: this.#table,
        onNotify: (method, params) => this.onNotify?.(method, params),
      });
    } catch (error) {
      throw new ChildStartError(
        `Process '${this.name}' failed to authenticate its control channel: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    if (this.#exited || this.#closing) this.#session.close();
  }

  /** Runs a target in the child and resolves with its outcome; the child stays up. */
  async invoke(
    spec: TargetSpec,
    args: unknown[],
    options?: CallOptions,
  ): Promise<Outcomes> {
    if (!this.#session) await this.ready;
    const def = defineTarget(spec);
    const ref = this.#targets.ref(def);
    try {
      return await this.#session!.call(
        "invoke",
        [ref, args],
        options,
      ) as Outcomes;
    } catch (error) {
      // The definition may never have left (e.g. the arguments could not be
      // serialized): send it again with the next call rather than leave the
      // child without it.
      if (typeof ref !== "number") this.#targets.forget(def.id);
      throw error;
    }
  }

  /**
   * Runs a target as the child's whole job: it exits when the target
   * settles (code 1 after printing the error if it threw). `params` is
   * `[spec, args]`, raw or from `prepareParams(..., child.exporter, ...)`.
   */
  async run(params: unknown): Promise<void> {
    if (!this.#session) await this.ready;
    await this.#session!.call("run", params);
  }

  /** Sends a signal; does nothing once the child exited. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    if (this.#exited) return;
    try {
      this.#process.kill(signal);
    } catch {
      // It exited between the check and the signal.
    }
  }

  /**
   * This process is exiting: a daemon child is killed; the socket dir of a
   * child that has not connected yet is removed (it would outlive us).
   */
  abandon(): void {
    if (this.daemon) this.kill("SIGKILL");
    this.#cleanup();
  }

  /**
   * Closes the control channel; a child that is not running a target exits.
   * Before the channel is up, it is closed as soon as it connects (else a
   * child closed early, as an idle pool worker can be, would never exit).
   */
  close(): void {
    this.#closing = true;
    this.#session?.close();
  }

  /** Kills (SIGKILL) and waits, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.status;
  }

  #cleanup(): void {
    if (!this.#dir) return;
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch {
      // Already removed.
    }
  }
}

/** Starts a child and waits until its control channel is up. */
export async function startChild(options: ChildOptions): Promise<Child> {
  const child = new Child(options);
  try {
    await child.ready;
  } catch (error) {
    child.kill("SIGKILL");
    await child.status;
    throw error;
  }
  return child;
}

/** The child-side environment variables (the child deletes them). */
export const CHILD_ENVIRONMENT: readonly string[] = CHILD_ENV;

function toHex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
}
