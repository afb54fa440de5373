// The Python tutorial's two downloads, each in its own Thread running a function: they
// overlap, so the total is about the longer download, not the sum.
//
//   deno run -A examples/thread_download.ts
//
// Downloads take 5-10 "seconds" as in the Python tutorial, where one second is
// shortened to 200 ms to keep the demo quick.
import { delay } from "@std/async/delay";
import { Thread } from "@multitask/core/thread";

const SECOND = 200;

export async function download(filename: string): Promise<void> {
  console.log(`Start downloading ${filename}...`);
  const timeToDownload = 5 + Math.floor(Math.random() * 6); // randint(5, 10)
  await delay(timeToDownload * SECOND);
  console.log(`${filename} downloaded! It took ${timeToDownload} s`);
}

async function main(): Promise<void> {
  const start = performance.now();
  const t1 = new Thread({
    target: download,
    module: import.meta.url,
    args: ["Python从入门到精通.pdf"],
  });
  t1.start();
  const t2 = new Thread({
    target: download,
    module: import.meta.url,
    args: ["Peking Hot.avi"],
  });
  t2.start();
  await t1.join();
  await t2.join();
  const end = performance.now();
  console.log(`Total: ${((end - start) / SECOND).toFixed(3)} s`);
}

if (import.meta.main) await main();
