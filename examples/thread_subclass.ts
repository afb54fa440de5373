// The Python tutorial's DownloadTask: a subclass of Thread that overrides run().
//
//   deno run -A examples/thread_subclass.ts
//
// A subclass runs in a worker that imports this module and looks the class
// up by name, so the class is exported and passes { module: import.meta.url }
// to super(). Its fields (here `filename`) are copied into the worker; the
// constructor does not run again there.
//
// Downloads take 5-10 "seconds" as in the Python tutorial, where one second is
// shortened to 200 ms. Both run at once: the total is about the longer one.
import { delay } from "@std/async/delay";
import { Thread } from "@multitask/core/thread";

const SECOND = 200;

export class DownloadTask extends Thread {
  filename: string;

  constructor(filename: string) {
    super({ module: import.meta.url });
    this.filename = filename;
  }

  override async run(): Promise<void> {
    console.log(`Start downloading ${this.filename}...`);
    const timeToDownload = 5 + Math.floor(Math.random() * 6); // randint(5, 10)
    await delay(timeToDownload * SECOND);
    console.log(`${this.filename} downloaded! It took ${timeToDownload} s`);
  }
}

async function main(): Promise<void> {
  const start = performance.now();
  const t1 = new DownloadTask("Python从入门到精通.pdf");
  t1.start();
  const t2 = new DownloadTask("Peking Hot.avi");
  t2.start();
  await t1.join();
  await t2.join();
  const end = performance.now();
  console.log(`Total: ${((end - start) / SECOND).toFixed(2)} s.`);
}

if (import.meta.main) await main();
