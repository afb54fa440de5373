// multiprocessing.Pipe between a parent and a child process: the child sends
// one message and closes its end; then a second child echoes words back
// upper-cased until the parent closes its end (the child sees EOFError).
// `deno run -A examples/pipe.ts`
import { Process } from "@multitask/core/process";
import { type Connection, EOFError, Pipe } from "@multitask/core/pipe";

/** Sends one message and closes its end. */
export function f(conn: Connection<unknown[]>): void {
  conn.send([42, null, "hello"]);
  conn.close();
}

/** Echoes every word back upper-cased until the other end is closed. */
export async function shout(conn: Connection<string>): Promise<void> {
  for (;;) {
    let word: string;
    try {
      word = await conn.recv();
    } catch (error) {
      if (error instanceof EOFError) break;
      throw error;
    }
    conn.send(word.toUpperCase());
  }
  console.log("child: the other end is closed, bye");
  conn.close();
}

if (import.meta.main) {
  const [parentConn, childConn] = Pipe<unknown[]>();
  const p = new Process({
    target: f,
    module: import.meta.url,
    args: [childConn],
  });
  p.start();
  console.log(await parentConn.recv()); // [ 42, null, "hello" ]
  await p.join();

  const [mine, theirs] = Pipe<string>();
  const echo = new Process({
    target: shout,
    module: import.meta.url,
    args: [theirs],
  });
  echo.start();
  for (const word of ["hello", "pipe"]) {
    mine.send(word);
    console.log(`${word} -> ${await mine.recv()}`);
  }
  mine.close();
  await echo.join();
  console.log(`echo child exited with code ${echo.exitCode}`);
}
