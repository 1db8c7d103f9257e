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
    switch (task.queue) {
      case 'ddl':
        return this.ddl.run(['ddl'], () => runPhases(task));
      case 'dml':
        return this.dml.run(task.queueKeys(), () => runPhases(task));
      case 'dql':
        return this.query(task);
    }
  }

  private async query<Res>(task: Task<unknown, Res>): Promise<Res> {
    if (this.running >= this.maxConcurrentQueries) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      // runPhases inlined: one async frame per read
      const pre = task.preExecute();
      if (pre !== undefined) await pre;
      const exec = task.execute();
      if (exec !== undefined) await exec;
      const res = task.postExecute();
      return res instanceof Promise ? await res : res;
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** PreExecute, Execute, PostExecute in order; only a phase that returned a promise is awaited. */
async function runPhases<Res>(task: Task<unknown, Res>): Promise<Res> {
  const pre = task.preExecute();
  if (pre !== undefined) await pre;
  const exec = task.execute();
  if (exec !== undefined) await exec;
  return task.postExecute();
}
