import { checkConcurrentDownloads } from "./_download_check.ts";

Deno.test("thread_download.ts runs both downloads at once: both start before either finishes", async () => {
  await checkConcurrentDownloads("thread_download");
});
