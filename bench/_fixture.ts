// What the IO workloads talk to: temp files and a loopback HTTP server that
// answers after a fixed delay. Started by the bench and the report, and
// released with `await using`.

import { fileContent, type IoEnv, type WorkParams } from "./workloads.ts";

/** A running IO environment; disposing it stops the server and deletes the files. */
export interface IoFixture extends IoEnv, AsyncDisposable {
  /** Deletes the files now and stops the server without waiting (for exit handlers). */
  closeSync(): void;
}

/** Writes one temp file per task and starts the delayed loopback server. */
export async function startIoFixture(p: WorkParams): Promise<IoFixture> {
  const dir = await Deno.makeTempDir({ prefix: "multitask_bench_" });
  const files: string[] = [];
  for (let i = 0; i < p.tasks; i++) {
    const path = `${dir}/task_${i}.bin`;
    await Deno.writeFile(path, fileContent(i, p.fileBytes));
    files.push(path);
  }
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const n = Number(new URL(request.url).searchParams.get("n"));
      await new Promise((resolve) => setTimeout(resolve, p.delayMs));
      return new Response(String(n * n));
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    files,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
    closeSync() {
      server.shutdown();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
