// The Python tutorial's Popen(['nslookup'], stdin=PIPE, stdout=PIPE, stderr=PIPE) fed
// b'set q=mx\npython.org\nexit\n' through communicate(). nslookup is not on
// every box, so the same bytes go to `sort`, which is: like nslookup it reads
// what one would type by hand and answers on stdout.
// `deno run -A examples/subprocess_communicate.ts`
import { spawn } from "@multitask/core/subprocess";

console.log("$ sort");
await using p = spawn(["sort"], {
  stdin: "piped",
  stdout: "piped",
  stderr: "piped",
  text: false,
});
const { stdout: output, stderr: err } = await p.communicate(
  new TextEncoder().encode("set q=mx\npython.org\nexit\n"),
);
console.log(new TextDecoder().decode(output));
if (err.length > 0) console.error(new TextDecoder().decode(err));
console.log("Exit code:", p.returncode);
