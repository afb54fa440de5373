// Run by timer_test.ts: a non-daemon Timer keeps the program alive until its
// target has run; a daemon Timer still waiting when the program ends does not.
import { Timer } from "../timer.ts";

export function say(text: string): void {
  console.log(text);
}

if (import.meta.main) {
  new Timer(10, say, ["non-daemon fired"], { module: import.meta.url }).start();
  new Timer(60_000, say, ["daemon fired"], {
    module: import.meta.url,
    daemon: true,
  }).start();
  console.log("main ended");
}
