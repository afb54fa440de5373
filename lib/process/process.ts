import { RuntimeError } from "../errors/base.ts";
import { Child, permissionFlags } from "./_child.ts";
import {
  describeTarget,
  type Target,
  type TargetSpec,
} from "../_crossing/target.ts";
import { ObjectTable, prepareParams } from "../_crossing/session.ts";

export { RuntimeError };

/** Deno permission kinds a child process can be given. */
export type PermissionName =
  | "read"
  | "write"
  | "net"
  | "env"
  | "sys"
  | "run"
  | "ffi"
  | "import";

/**
 * What a child may do: `"inherit"` (default: the parent's grants), `"none"`,
 * or per kind `true` (all), `false` (none) or a list of paths, hosts,
 * variables or commands; kinds left out are inherited. A child can never get
 * more than its parent holds.
 *
 * @example
 * ```ts
 * import type { ProcessPermissions } from "@multitask/core/process";
 *
 * const readOnly: ProcessPermissions = { read: true, write: false, net: false, run: false };
 * console.log(Object.keys(readOnly).length); // 4
 * ```
 */
export type ProcessPermissions =
  | "inherit"
  | "none"
  | Partial<Record<PermissionName, boolean | string[]>>;

/**
 * Options of a {@linkcode Process}.
 *
 * @example
 * ```ts
 * import type { ProcessOptions } from "@multitask/core/process";
 *
 * export function sing(count: number) {
 *   for (let i = 0; i < count; i++) console.log("singing");
 * }
 * const options: ProcessOptions = { target: sing, module: import.meta.url, args: [3] };
 * console.log(options.args); // [3]
 * ```
 */
export interface ProcessOptions {
  /**
   * The function to run. With `module`, an exported function looked up by
   * name in that module; without, a self-contained function whose source is
   * shipped (it may not use variables it closes over).
   */
  // deno-lint-ignore no-explicit-any
  target: (...args: any[]) => unknown;
  /** The module exporting `target`: pass `import.meta.url`. */
  module?: string | URL;
  /**
   * Arguments, copied by structured clone; Queue, Event, Lock... arrive as
   * live handles on the parent's objects. Python's kwargs: pass an options
   * object.
   */
  args?: unknown[];
  /** Default `Process-1`, `Process-2`... */
  name?: string;
  /** Killed when the parent exits instead of being waited for (default false). */
  daemon?: boolean;
  /** Default "inherit". */
  permissions?: ProcessPermissions;
}

/** `pid`, `ppid` and `name` of the running process. */
export interface ProcessInfo {
  /** This process's id [os.getpid]. */
  pid: number;
  /** The parent's process id [os.getppid]. */
  ppid: number;
  /** `"MainProcess"`, or the Process name inside a child. */
  name: string;
}

let counter = 0;

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/**
 * A function running in a child Deno process [multiprocessing.Process].
 *
 * @example Start, join, read the exit code
 * ```ts
 * import { Process } from "@multitask/core/process";
 *
 * export function work(n: number) {
 *   if (n < 0) throw new RangeError("negative");
 * }
 *
 * if (import.meta.main) {
 *   await using p = new Process({ target: work, module: import.meta.url, args: [-1] });
 *   p.start();
 *   await p.join(); // the child printed "Process Process-1:" and the stack
 *   console.log(p.exitCode); // 1
 * }
 * ```
 */
export class Process implements AsyncDisposable {
  /** Name shown by currentProcess() in the child. */
  name: string;
  readonly #spec: TargetSpec;
  readonly #args: unknown[];
  readonly #permissions: ProcessPermissions;
  #daemon: boolean;
  #child: Child | null = null;
  #exitCode: number | null = null;
  #failure: Error | null = null;

  /** Describes the child; nothing runs until start(). Invalid options throw here. */
  constructor(options: ProcessOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create Process as its options must be an object like { target, module: import.meta.url, args }: received ${options}`,
      );
    }
    const who = `Process${options.name ? ` '${options.name}'` : ""}`;
    this.#spec = describeTarget(options.target as Target, options.module, who);
    if (options.args !== undefined && !Array.isArray(options.args)) {
      throw new TypeError(
        `Cannot create ${who} as 'args' must be an array of arguments: received ${typeof options
          .args}. Wrap a single argument: args: [value].`,
      );
    }
    if (
      options.name !== undefined &&
      (typeof options.name !== "string" || options.name === "")
    ) {
      throw new TypeError(
        `Cannot create Process as 'name' must be a non-empty string: received ${
          JSON.stringify(options.name)
        }`,
      );
    }
    if (options.daemon !== undefined && typeof options.daemon !== "boolean") {
      throw new TypeError(
        `Cannot create ${who} as 'daemon' must be a boolean: received ${
          JSON.stringify(options.daemon)
        }`,
      );
    }
    this.#permissions = options.permissions ?? "inherit";
    permissionFlags(this.#permissions, who); // fails now rather than at start()
    this.#args = options.args ?? [];
    this.#daemon = options.daemon ?? false;
    this.name = options.name ?? `Process-${++counter}`;
  }

  /** Whether the child is killed when this process exits; settable until start(). */
  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    if (this.#child) {
      throw new RuntimeError(
        `Cannot change 'daemon' of ${this.name}: it was already started. Set it before start().`,
      );
    }
    this.#daemon = Boolean(value);
  }

  /** The permissions the child runs with. */
  get permissions(): ProcessPermissions {
    return this.#permissions;
  }

  /** The child's process id; null before start(). */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** null while running (or before start), the exit code after, `-N` if killed by signal N. */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** Starts the child; it runs the target, then exits. */
  start(): void {
    if (this.#child) throw new RuntimeError(`Cannot start ${this.name} twice.`);
    // Arguments that can never reach the child fail here, not in the background.
    const table = new ObjectTable();
    const params = prepareParams(
      [this.#spec, this.#args],
      table,
      (reason) =>
        `Cannot start ${this.name} as its args cannot be sent to another process: ${reason}`,
    );
    const child = new Child({
      name: this.name,
      daemon: this.#daemon,
      permissions: this.#permissions,
      module: this.#spec.kind === "export"
        ? this.#spec.module
        : Deno.mainModule,
      table,
    });
    this.#child = child;
    child.exited.then((status) => {
      this.#exitCode = status.signal
        ? -(SIGNALS[status.signal] ?? 128)
        : status.code;
    });
    child.run(params).catch((error) => {
      if (!child.running) return; // it died before or while connecting: exitCode says so
      this.#failure = error as Error;
      child.kill("SIGKILL");
    });
  }

  /**
   * Waits until the child exits, or `timeout` ms passed (check `exitCode`
   * to tell). Rejects if the target could not even be sent to the child.
   */
  async join(timeout?: number): Promise<void> {
    const child = this.#child;
    if (!child) {
      throw new RuntimeError(`Cannot join ${this.name}: call start() first.`);
    }
    if (
      timeout !== undefined && (typeof timeout !== "number" || !(timeout >= 0))
    ) {
      throw new TypeError(
        `Cannot join ${this.name} as 'timeout' must be a non-negative number of milliseconds: received ${timeout}`,
      );
    }
    if (timeout === undefined) {
      await child.status;
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // The timer keeps this process alive meanwhile; `status` would ref a
      // daemon child for good.
      await Promise.race([
        child.exited,
        new Promise((resolve) => (timer = setTimeout(resolve, timeout))),
      ]);
      clearTimeout(timer);
    }
    if (this.#failure) throw this.#failure;
  }

  /** True between start() and the child's exit. */
  isAlive(): boolean {
    return this.#child !== null && this.#child.running;
  }

  /** Asks the child to stop (SIGTERM); join() afterwards reaps it. */
  terminate(): void {
    this.#signal("SIGTERM");
  }

  /** Stops the child at once (SIGKILL). */
  kill(): void {
    this.#signal("SIGKILL");
  }

  #signal(signal: Deno.Signal): void {
    if (!this.#child) {
      throw new RuntimeError(
        `Cannot signal ${this.name}: it was never started.`,
      );
    }
    this.#child.kill(signal);
  }

  /** Terminates the child if it is still running and waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#child) return;
    if (this.#child.running) this.#child.kill("SIGTERM");
    await this.#child.status;
  }
}

/**
 * The running process [os.getpid, os.getppid, multiprocessing.current_process].
 *
 * @example
 * ```ts
 * import { currentProcess } from "@multitask/core/process";
 *
 * const me = currentProcess();
 * console.log(me.name, me.pid === Deno.pid); // MainProcess true
 * ```
 */
export function currentProcess(): ProcessInfo {
  const child = (globalThis as Record<symbol, { name?: string } | undefined>)[
    Symbol.for("multitask.process")
  ];
  return { pid: Deno.pid, ppid: Deno.ppid, name: child?.name ?? "MainProcess" };
}
