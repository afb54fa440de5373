// What a redis pool cannot do, refused per call with the reason: Redis
// streams deliver in order, so there are no task priorities; workers send
// back results only, so there is no progress from inside a task.
import { assertMatch, assertRejects } from "@std/assert";
import { redisTest } from "./_test_server.ts";
import { redisPool } from "./_test_pool.ts";
import { add, square } from "./testdata/pool_tasks.ts";

redisTest(
  "A redis pool refuses 'priority' on apply() and map(), naming why",
  async (server) => {
    await using pool = redisPool(server.url);
    const applied = await assertRejects(
      () => pool.apply(add, [1, 2], { priority: 1 }),
      TypeError,
    );
    assertMatch(applied.message, /'priority' on a redis pool: .*Redis stream/);
    await assertRejects(
      () => pool.map(square, [1], { priority: -1 }),
      TypeError,
      "'priority' on a redis pool",
    );
    await assertRejects(
      () => pool.imap(square, [1], { priority: 2 }).next(),
      TypeError,
      "'priority' on a redis pool",
    );
  },
);

redisTest(
  "A redis pool refuses 'onProgress' on apply(), naming why",
  async (server) => {
    await using pool = redisPool(server.url);
    await assertRejects(
      () => pool.apply(add, [1, 2], { onProgress: () => {} }),
      TypeError,
      "'onProgress' on a redis pool: its workers send back results only",
    );
  },
);
