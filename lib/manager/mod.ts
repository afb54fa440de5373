/**
 * Distributed processes [multiprocessing.managers.BaseManager]: a master
 * serves named objects over TCP (or TLS): queues, events, locks,
 * semaphores, barriers, values, any object with methods (a `Map`, an
 * instance of your class), and factories that make one instance per call.
 * Workers on other machines connect with the same `authkey` and use them by
 * name, each method a round trip.
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
