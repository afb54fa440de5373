// Entry point of a thread-pool worker (a Web Worker, see
// lib/_crossing/worker_port.ts). Runs batches with PoolRunner. An error
// escaping a task (thrown from a timer, an unhandled rejection) is reported
// as the cause of the crash before the worker exits, and Deno.exit
// (process.exit too) sends the results already computed first: the only ways
// a thread worker ends unasked go through these hooks, so no finished result
// is lost with it.

import { serializeError } from "../_crossing/errors.ts";
import { beforeExit, exitNow, onEscape } from "../_crossing/entry.ts";
import { connectParent } from "../_crossing/parent_port.ts";
import {
  type Outcomes,
  repairUnsendable,
  returnedAt,
  valueAt,
} from "../_crossing/outcome.ts";
import { Doorbell } from "../_crossing/doorbell.ts";
import { enterThread } from "../thread/_state.ts";
import { ownedBuffers, PoolRunner, unsendableProgress } from "./_runner.ts";
import { encodeValue } from "../_crossing/codec.ts";
import type {
  DoneMessage,
  InitMessage,
  RunMessage,
  WorkerReply,
} from "./_protocol.ts";

const port = await connectParent();
const runner = new PoolRunner({ thread: true });
runner.progressSink = (seq, value) => {
  try {
    port.post({ t: "progress", seq, value: encodeValue(value, "thread") });
  } catch (error) {
    throw unsendableProgress(error);
  }
};

function reply(message: WorkerReply): void {
  port.post(message);
}

// Only the results that cannot be cloned fail, with the error every kind
// gives for them (a failed post detaches nothing). A map's chunk of numbers
// goes back transferred, not copied.
function sendDone(message: DoneMessage): void {
  try {
    port.post(message, ownedBuffers(message.out));
  } catch {
    repairUnsendable(message.out);
    port.post(message);
  }
}

// Results of the tasks that finished before the one that brings the worker
// down go back first, so only that task fails.
function sendPartial(): void {
  const partial = runner.flushPartial();
  if (partial) sendDone({ t: "done", ms: 0, ...partial });
}

beforeExit(sendPartial);

onEscape((error) => {
  try {
    sendPartial();
    reply({ t: "crash", error: serializeError(error) });
  } finally {
    exitNow(70);
  }
});

// The doorbell (lib/_crossing/doorbell.ts): once the worker has run all it
// was sent, it parks for the next task (up to parkMs), its event loop
// blocked meanwhile; a task rung there answers there when its value allows.
let doorbell: Doorbell | undefined;
let parkMs = 0;
let received = 0;
let running = 0;

// A batch finished: `answer` sends its results. With nothing else to run
// the worker parks first, and runs what is rung meanwhile.
function finished(answer: () => void): void {
  running--;
  if (running > 0 || !doorbell) return answer();
  const bell = doorbell;
  const task = bell.parkFor(parkMs, received, answer);
  if (!task) return;
  running++;
  runner.run({ t: "run", tasks: [task.mode, task.target, task.payload] })
    .then(({ out, ms }) => finished(() => answerRung(bell, out, ms)));
}

function answerRung(bell: Doorbell, out: Outcomes, ms: number): void {
  if (out.length === 2 && returnedAt(out, 0)) {
    if (bell.answerValue(valueAt(out, 0), ms)) return;
  }
  if (out.length > 0) sendDone({ t: "done", out, ms });
  bell.answerPosted();
}

port.listen((data) => {
  const message = data as InitMessage | RunMessage;
  if (message.t === "init") {
    if (message.doorbell) {
      doorbell = new Doorbell(message.doorbell.buffer);
      parkMs = message.doorbell.parkMs;
    }
    if (message.thread) {
      const { ident, counters } = message.thread;
      enterThread({ name: message.name, ident, daemon: true }, counters);
    }
    runner.init(message).then((failure) => {
      if (failure === undefined) return;
      reply({ t: "initFailed", error: serializeError(failure) });
      exitNow(71);
    });
    return;
  }
  received++;
  running++;
  runner.run(message).then(({ out, ms }) =>
    finished(() => sendDone({ t: "done", out, ms }))
  );
});
