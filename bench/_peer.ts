// A peer of the benchmarks on its own runtime: Node's piscina and tinypool
// (bench/peers/node_pools.mjs) and Python's pools (bench/peers/pool_peer.py).
// Each is a child process answering one JSON request per line; a peer whose
// runtime is missing is skipped with the reason, never faked.

import { TextLineStream } from "@std/streams/text-line-stream";

const PEERS_DIR = new URL("./peers/", import.meta.url);

/** An answer of a peer: the fields its op returns (`ms`, `total`, ...). */
export interface PeerAnswer {
  /** Wall time of the measured part, timed inside the peer. */
  ms?: number;
  /** The sum of the task results, for checking. */
  total?: number;
  /** Resident memory added per idle worker (the `rss` op). */
  bytesPerWorker?: number;
  [field: string]: unknown;
}

/** Why a peer was not started. */
export interface Skipped {
  skipped: string;
}

/** A running peer process. Requests are answered one at a time, in order. */
export class Peer implements AsyncDisposable {
  readonly name: string;
  #child: Deno.ChildProcess;
  #lines: AsyncIterator<string>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #queue: Promise<unknown> = Promise.resolve();
  #stderr: string[] = [];
  #encoder = new TextEncoder();

  constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#lines = child.stdout.pipeThrough(new TextDecoderStream())
      .pipeThrough(new TextLineStream())[Symbol.asyncIterator]();
    // Kept for error messages; read all along so the child never blocks on it.
    (async () => {
      const lines = child.stderr.pipeThrough(new TextDecoderStream())
        .pipeThrough(new TextLineStream());
      for await (const line of lines) {
        this.#stderr.push(line);
        if (this.#stderr.length > 20) this.#stderr.shift();
      }
    })().catch(() => {});
  }

  /** Sends one request; rejects with the peer's error or its last stderr lines. */
  request(request: Record<string, unknown>): Promise<PeerAnswer> {
    const answer = this.#queue.then(() => this.#send(request));
    this.#queue = answer.catch(() => {});
    return answer;
  }

  async #send(request: Record<string, unknown>): Promise<PeerAnswer> {
    await this.#writer.write(
      this.#encoder.encode(JSON.stringify(request) + "\n"),
    );
    const next = await this.#lines.next();
    if (next.done) {
      throw new Error(
        `${this.name} exited during ${JSON.stringify(request)}: ${
          this.#stderr.slice(-5).join(" | ")
        }`,
      );
    }
    const answer = JSON.parse(next.value);
    if (!answer.ok) {
      throw new Error(`${this.name} failed ${request.op}: ${answer.error}`);
    }
    return answer;
  }

  /** Stops the peer at once (for exit handlers). */
  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Closes its stdin, so it stops its pools and exits. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#writer.close().catch(() => {});
    await this.#child.status;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function spawn(
  name: string,
  command: string,
  args: string[],
): Peer | Skipped {
  try {
    const child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new Peer(name, child);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { skipped: `${command} was not found on PATH` };
    }
    throw error;
  }
}

/** Python's ThreadPool and Pool (fork, spawn); skipped without python3. */
export function startPythonPeer(): Promise<Peer | Skipped> {
  return Promise.resolve(spawn("python3 bench/peers/pool_peer.py", "python3", [
    new URL("pool_peer.py", PEERS_DIR).pathname,
  ]));
}

/**
 * piscina and tinypool on Node; skipped without node. Their packages are
 * installed on first use into bench/peers/node_modules (the versions pinned
 * in bench/peers/package.json), never into the library.
 */
export async function startNodePeer(): Promise<Peer | Skipped> {
  const installed = await ensureNodePackages();
  if (installed !== true) return installed;
  return spawn("node bench/peers/node_pools.mjs", "node", [
    "--expose-gc",
    new URL("node_pools.mjs", PEERS_DIR).pathname,
  ]);
}

/** Runs `npm install` in bench/peers unless the pinned versions are there. */
async function ensureNodePackages(): Promise<true | Skipped> {
  const manifest = JSON.parse(
    await Deno.readTextFile(new URL("package.json", PEERS_DIR)),
  ) as { dependencies: Record<string, string> };
  const wanted = Object.entries(manifest.dependencies);
  const present = await Promise.all(
    wanted.map(async ([name, version]) => {
      try {
        const url = new URL(`node_modules/${name}/package.json`, PEERS_DIR);
        return JSON.parse(await Deno.readTextFile(url)).version === version;
      } catch {
        return false;
      }
    }),
  );
  if (present.every(Boolean)) return true;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("npm", {
      args: ["install", "--no-audit", "--no-fund", "--no-package-lock"],
      cwd: PEERS_DIR,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { skipped: "node or npm was not found on PATH" };
    }
    throw error;
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
    return {
      skipped: `npm install in bench/peers failed: ${
        stderr.slice(-3).join(" | ")
      }`,
    };
  }
  return true;
}
