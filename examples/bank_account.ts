// The Python tutorial's bank account: 100 threads each deposit 1 into one Account.
// deposit() reads the balance, takes 10 ms to "process" the deposit, then
// writes the new balance; without a lock the threads all read the same old
// balance and the account ends far below 100. With a Lock around the
// read-sleep-write it is exactly 100.
//
//   deno run -A examples/bank_account.ts [--threads 100]
//
// Account and AddMoneyThread are exported: each thread's worker imports this
// module, rebuilds the AddMoneyThread from its fields, and the Account inside
// it from its fields too (its Value and Lock arrive as live handles over the
// same shared memory). A Barrier lets the 100 threads deposit at the same
// moment, as Python's threads do when they start within microseconds.
import { parseArgs } from "@std/cli/parse-args";
import { Thread } from "@multitask/core/thread";
import { Barrier, Lock, Value } from "@multitask/core/sync";
import { refuseUnknown } from "./_flags.ts";

/** Blocks this thread like time.sleep(); fine inside a worker. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class Account {
  balance: Value<"i32"> = new Value("i32", 0);
  lock: Lock | null;

  constructor(locked: boolean) {
    this.lock = locked ? new Lock() : null;
  }

  deposit(money: number): void {
    this.lock?.acquireSync(); // first get the lock (when the account has one)
    try {
      const newBalance = this.balance.value + money; // compute the new balance
      sleep(10); // processing the deposit takes 0.01 s
      this.balance.value = newBalance; // store the new balance
    } finally {
      this.lock?.release(); // release it whether the deposit worked or threw
    }
  }
}

export class AddMoneyThread extends Thread {
  account: Account;
  money: number;
  gate: Barrier;

  constructor(account: Account, money: number, start: Barrier) {
    super({ module: import.meta.url });
    this.account = account;
    this.money = money;
    this.gate = start;
  }

  override run(): void {
    this.gate.waitSync();
    this.account.deposit(this.money);
  }
}

async function main(locked: boolean, count: number): Promise<void> {
  const account = new Account(locked);
  const start = new Barrier(count);
  const threads: AddMoneyThread[] = [];
  // 100 threads deposit into the same account
  for (let i = 0; i < count; i++) {
    const t = new AddMoneyThread(account, 1, start);
    threads.push(t);
    t.start();
  }
  // wait until every deposit thread has finished
  for (const t of threads) await t.join();
  console.log(
    `${
      locked ? "with" : "without"
    } a lock: balance is ¥${account.balance.value}`,
  );
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["threads"],
    default: { threads: "100" },
    unknown: refuseUnknown,
  });
  const count = Number(flags.threads);
  if (!Number.isInteger(count) || count < 1) {
    throw new TypeError(
      `--threads must be a positive integer: received ${flags.threads}`,
    );
  }
  await main(false, count);
  await main(true, count);
}
