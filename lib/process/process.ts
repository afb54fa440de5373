import { RuntimeError } from "../errors/base.ts";
import { checkTimeout } from "../_common/waiting.ts";
import { Child } from "./_child.ts";
import { permissionFlags } from "./_permissions.ts";
import {
  describeTarget,
  normalizeModule,
  type Target,
} from "../_crossing/target.ts";
import { encodeValue } from "../_crossing/codec.ts";
import { describeInstance, runTarget } from "../_crossing/rebuild.ts";
import { ObjectTable, prepareParams } from "../_crossing/session.ts";
import { exitCodeOf, type ProcessRecord, records } from "./_state.ts";

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
   * shipped (it may not use variables it closes over). Optional for a
   * subclass that overrides `run()`.
   */
  // deno-lint-ignore no-explicit-any
  target?: (...args: any[]) => unknown;
  /**
   * The module exporting `target`, or the Process subclass (required when a
   * subclass overrides `run()`): pass `import.meta.url`.
   */
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

/**
 * A function running in a child Deno process [multiprocessing.Process].
 *
 * Subclassing works like Python's, and like a Thread subclass: override
 * `run()`, export the class and pass `{ module: import.meta.url }` to
 * `super()`. The child imports that module, finds the export with the
 * class's name, rebuilds the instance from its own data fields (without
 * running the constructor again; library objects among them arrive as live
 * handles) and calls `run()`.
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
 *
 * @example Subclass with run()
 * ```ts
 * import { Process } from "@multitask/core/process";
 *
 * export class Greeter extends Process {
 *   who: string;
 *   constructor(who: string) {
 *     super({ module: import.meta.url });
 *     this.who = who;
 *   }
 *   override run() {
 *     console.log(`hello ${this.who} from ${this.name}`);
 *   }
 * }
 * ```
 */
export class Process implements AsyncDisposable {
  /** Name shown by currentProcess() in the child. */
  name: string;

  /** Describes the child; nothing runs until start(). Invalid options throw here. */
  constructor(options: ProcessOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create Process as its options must be an object like { target, module: import.meta.url, args }: received ${options}`,
      );
    }
    const who = `Process${options.name ? ` '${options.name}'` : ""}`;
    checkOptions(options, who);
    const overridden = this.run !== Process.prototype.run;
    const permissions = options.permissions ?? "inherit";
    permissionFlags(permissions, who); // fails now rather than at start()
    const record: ProcessRecord = {
      args: options.args ?? [],
      permissions,
      daemon: options.daemon ?? false,
      child: null,
      exitCode: null,
      failure: null,
    };
    if (options.target !== undefined || !overridden) {
      record.target = options.target as Target;
      record.spec = describeTarget(options.target, options.module, who);
    }
    if (options.module !== undefined) {
      record.module = normalizeModule(options.module, who);
    }
    if (overridden && record.module === undefined) {
      throw new TypeError(
        `Cannot create ${
          new.target.name || "the Process subclass"
        } as it overrides run() but its module is unknown: call super({ module: import.meta.url }) and export the class, so the child process can import it.`,
      );
    }
    records.set(this, record);
    this.name = options.name ?? `Process-${++counter}`;
  }

  /** Whether the child is killed when this process exits; settable until start(). */
  get daemon(): boolean {
    return state(this).daemon;
  }

  set daemon(value: boolean) {
    const record = state(this);
    if (record.child || record.rebuilt) {
      throw new RuntimeError(
        `Cannot change 'daemon' of ${this.name}: it was already started. Set it before start().`,
      );
    }
    record.daemon = Boolean(value);
  }

  /** The permissions the child runs with. */
  get permissions(): ProcessPermissions {
    return state(this).permissions;
  }

  /** The child's process id; null before start(). Inside the child, its own. */
  get pid(): number | null {
    const record = state(this);
    return record.rebuilt ? Deno.pid : record.child?.pid ?? null;
  }

  /** null while running (or before start), the exit code after, `-N` if killed by signal N. */
  get exitCode(): number | null {
    return state(this).exitCode;
  }

  /**
   * What the child runs: by default the target with its arguments.
   * Subclasses override it; called directly it runs in this process.
   */
  run(): unknown {
    return runTarget(state(this));
  }

  /** Starts the child; it runs the target (or the subclass's run()), then exits. */
  start(): void {
    const record = state(this);
    if (record.child || record.rebuilt) {
      throw new RuntimeError(`Cannot start ${this.name} twice.`);
    }
    // What can never reach the child fails here, not in the background.
    const table = new ObjectTable();
    const params = prepareParams(
      this.#params(record, table),
      table,
      (reason) =>
        `Cannot start ${this.name} as its args cannot be sent to another process: ${reason}`,
    );
    const child = new Child({
      name: this.name,
      daemon: record.daemon,
      permissions: record.permissions,
      module: record.module ?? Deno.mainModule,
      table,
    });
    record.child = child;
    child.exited.then((status) => (record.exitCode = exitCodeOf(status)));
    child.run(params).catch((error) => {
      if (!child.running) return; // it died before or while connecting: exitCode says so
      record.failure = error as Error;
      child.kill("SIGKILL");
    });
  }

  // [spec, args, instance]: instances of the module's classes among the
  // args (and the fields of a subclass) are rebuilt there with their class.
  #params(record: ProcessRecord, table: ObjectTable): unknown[] {
    const instances = { instances: record.module !== undefined };
    return [
      record.spec ?? null,
      encodeValue(record.args, table, instances),
      this.run === Process.prototype.run
        ? null
        : describeInstance(this, "Process", record.module!, table),
    ];
  }

  /**
   * Waits until the child exits, or `timeout` ms passed (check `exitCode`
   * to tell). Rejects if the target could not even be sent to the child.
   */
  async join(timeout?: number): Promise<void> {
    const record = state(this);
    const child = record.child;
    if (!child) {
      throw new RuntimeError(`Cannot join ${this.name}: call start() first.`);
    }
    const ms = checkTimeout(timeout, `join ${this.name}`);
    if (ms === Infinity) {
      await child.status;
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // The timer keeps this process alive meanwhile; `status` would ref a
      // daemon child for good.
      await Promise.race([
        child.exited,
        new Promise((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      clearTimeout(timer);
    }
    if (record.failure) throw record.failure;
  }

  /** True between start() and the child's exit (inside the child: true). */
  isAlive(): boolean {
    const record = state(this);
    return record.rebuilt === true || (record.child?.running ?? false);
  }

  /**
   * Asks the child to stop (SIGTERM) and resolves once it exited, as
   * `Thread.terminate()` resolves once its thread is gone. Resolves at once
   * if it never started or already ended.
   */
  terminate(): Promise<void> {
    return this.#stop("SIGTERM");
  }

  /** Stops the child at once (SIGKILL) and resolves once it is gone. */
  kill(): Promise<void> {
    return this.#stop("SIGKILL");
  }

  async #stop(signal: Deno.Signal): Promise<void> {
    const child = state(this).child;
    if (!child) return;
    child.kill(signal);
    await child.status;
  }

  /** Terminates the child if it is still running and waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }
}

function state(process: Process): ProcessRecord {
  const record = records.get(process);
  if (!record) {
    throw new TypeError(
      "This Process was not constructed: call super(options) in the subclass constructor.",
    );
  }
  return record;
}

function checkOptions(options: ProcessOptions, who: string): void {
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
