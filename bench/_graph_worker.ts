// A bare worker that first loads the pool's module graph (bench/bounds_bench.ts
// "start-up" group): what importing the library costs a new isolate.

import "../lib/pool/mod.ts";
// Then the bare worker itself, unchanged.
import "./_bare_worker.ts";
