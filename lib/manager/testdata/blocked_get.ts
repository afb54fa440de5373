// A worker that blocks in a remote get() and is then killed by the test:
// `deno run -A blocked_get.ts <port> <authkey>`. It sets the master's
// "blocked" Event after sending its get, on the same connection, so the
// master has received the get before it sees the Event set.
import { Manager } from "../manager.ts";

const [port, authkey] = Deno.args;
const client = await Manager.connect({ port: Number(port), authkey });
const pending = client.queue<number>("jobs").get();
await client.event("blocked").set();
console.log("blocked in get()");
await pending;
console.log("unexpected: got an item");
