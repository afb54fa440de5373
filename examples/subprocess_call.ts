// The Python tutorial's subprocess.call(['nslookup', 'www.python.org']): run a command
// with our terminal as its stdin/stdout/stderr and print its exit code.
// nslookup is not on every box (nor is the network), so the default is the
// same kind of name lookup done locally: `getent hosts localhost`.
// `deno run -A examples/subprocess_call.ts [command args...]`
import { call } from "@multitask/core/subprocess";

const cmd = Deno.args.length > 0 ? Deno.args : ["getent", "hosts", "localhost"];

console.log(`$ ${cmd.join(" ")}`);
const r = await call(cmd);
console.log("Exit code:", r);
