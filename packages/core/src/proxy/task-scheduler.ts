/**
 * TaskScheduler (Milvus's proxy taskScheduler): three queues.
 * - DDL: strictly serial, so catalog changes never interleave.
 * - DML: ordered per key (the collection written): two inserts into one collection apply in
 *   submission order; writes to different collections proceed in parallel.
 * - DQL: concurrent, up to `maxConcurrentQueries` at a time.
 */
import { KeyedQueue } from '../util/keyed-queue.ts';
import type { Task } from './task.ts';

export class TaskScheduler {
  private readonly ddl = new KeyedQueue();
  private readonly dml = new KeyedQueue();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly maxConcurrentQueries = 16) {}

  enqueue<Res>(task: Task<unknown, Res>): Promise<Res> {
    const run = async (): Promise<Res> => {
      await task.preExecute();
      await task.execute();
      return task.postExecute();
    };
    switch (task.queue) {
      case 'ddl':
        return this.ddl.run(['ddl'], run);
      case 'dml':
        return this.dml.run(task.queueKeys(), run);
      case 'dql':
        return this.query(run);
    }
  }

  private async query<T>(run: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrentQueries) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await run();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
