/**
 * multitask: Python's multitasking toolbox (subprocess, multiprocessing,
 * threading) done the Deno way: Deno.Command for processes, Web Workers for
 * threads, Atomics on SharedArrayBuffer for locks.
 *
 * @example Run a command and read its output
 * ```ts
 * import { run } from "@multitask/core";
 *
 * const result = await run(["echo", "hello"]);
 * console.log(result.stdout); // "hello\n"
 * ```
 *
 * @module
 */

export {
  type BytesCheckOutputOptions,
  type BytesPipelineOptions,
  type BytesRunOptions,
  type BytesSpawnOptions,
  call,
  CalledProcessError,
  type CallOptions,
  type CapturedOutput,
  checkOutput,
  type CheckOutputOptions,
  CommandNotFound,
  type CommandOptions,
  type CompletedProcess,
  pipeline,
  type PipelineOptions,
  type PipelineResult,
  run,
  type RunOptions,
  spawn,
  type SpawnOptions,
  type StdioOption,
  Subprocess,
  SubprocessAbortError,
  type SubprocessOutput,
  type TextPipelineOptions,
  type TextRunOptions,
  TimeoutExpired,
  type WaitOptions,
} from "./lib/subprocess/mod.ts";

export {
  activeCount,
  currentThread,
  enumerate,
  type ExceptHookArgs,
  RuntimeError,
  Thread,
  type ThreadInfo,
  type ThreadOptions,
  Timer,
  type TimerOptions,
} from "./lib/thread/mod.ts";

export {
  type AcquireOptions,
  Barrier,
  type BarrierOptions,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  type EventWaitOptions,
  FileLock,
  Lock,
  RLock,
  type Scalar,
  Semaphore,
  SharedArray,
  Value,
  type ValueType,
} from "./lib/sync/mod.ts";

export { Local } from "./lib/thread/local.ts";

export {
  type CloseOptions,
  Empty,
  Full,
  type GetOptions,
  JoinableQueue,
  type JoinableQueueLike,
  LifoQueue,
  type PriorityItem,
  PriorityQueue,
  type PutOptions,
  Queue,
  QueueClosed,
  type QueueLike,
  type QueueOptions,
  RemoteJoinableQueue,
  RemoteQueue,
  SimpleQueue,
} from "./lib/queue/mod.ts";

export {
  BrokenPipeError,
  Connection,
  EOFError,
  Pipe,
  type PipeOptions,
  type RecvOptions,
} from "./lib/queue/pipe.ts";

export {
  currentProcess,
  type PermissionName,
  Process,
  type ProcessInfo,
  type ProcessOptions,
  type ProcessPermissions,
} from "./lib/process/mod.ts";

export {
  AbortError,
  type ApplyOptions,
  type MapOptions,
  Pool,
  PoolClosedError,
  PoolFullError,
  type PoolOptions,
  type PoolProgress,
  type PoolStats,
  type PoolTimes,
  progress,
  TimeoutError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
} from "./lib/pool/mod.ts";

export {
  AuthenticationError,
  ConnectionClosedError,
  type ConnectOptions,
  FrameError,
  Manager,
  type ManagerAddress,
  ManagerClient,
  type ManagerOptions,
  type Proxied,
  type Remote,
  type RemoteBarrier,
  type RemoteDict,
  type RemoteEvent,
  type RemoteList,
  type RemoteLock,
  type RemoteNamespace,
  type RemoteResult,
  type RemoteSemaphore,
  type RemoteSharedArray,
  type RemoteValue,
} from "./lib/manager/mod.ts";

// The Redis error class only: RedisQueue and the Redis pool load npm:redis,
// so they stay behind "./redis" (and a Pool of kind "redis" loads them lazily).
export { ChildStartError, TargetError } from "./lib/errors/mod.ts";

export { RedisConnectionError } from "./lib/redis/errors.ts";

export {
  asCompleted,
  type AsCompletedOptions,
  type Completed,
  type DoneAndPending,
  type FuturesWaitOptions,
  type ReturnWhen,
  wait,
} from "./lib/futures/mod.ts";
