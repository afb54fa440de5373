// A bare worker that first loads the modules a thread pool's worker loads
// (lib/pool/_thread_entry.ts's imports) without running it (bench/
// bounds_bench.ts "start-up" group): what the worker side's module graph
// costs each new thread, apart from the pool's messages and the task's module.

import "../lib/_crossing/errors.ts";
import "../lib/_crossing/entry.ts";
import "../lib/_crossing/parent_port.ts";
import "../lib/_crossing/outcome.ts";
import "../lib/_crossing/doorbell.ts";
import "../lib/thread/_state.ts";
import "../lib/pool/_runner.ts";
import "../lib/_crossing/codec.ts";
import "../lib/pool/_protocol.ts";
// Then the bare worker itself, unchanged.
import "./_bare_worker.ts";
