/**
 * Distributed processes [multiprocessing.managers.BaseManager]: a master
 * serves named queues and events over TCP (or TLS), and workers on other
 * machines connect with the same `authkey` and use them by name.
 *
 * @example A master and a worker in one program
 * ```ts
 * import { Manager } from "@multitask/core/manager";
 * import { Queue } from "@multitask/core/queue";
 *
 * const manager = new Manager({ port: 0, authkey: "abc" });
 * manager.register("task_queue", new Queue<number>());
 * const { port } = await manager.start();
 *
 * const client = await Manager.connect({ port, authkey: "abc" });
 * await client.queue<number>("task_queue").put(7);
 * console.log(await manager.get<Queue<number>>("task_queue").get()); // 7
 * await client.close();
 * await manager.shutdown();
 * ```
 *
 * @module
 */

export * from "./manager.ts";
