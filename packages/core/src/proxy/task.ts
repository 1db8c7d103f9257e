/**
 * A proxy task (Milvus's proxy `task` interface): validation in `preExecute` (no side
 * effects — a rejected request changes nothing), the work in `execute`, the response built
 * in `postExecute`. Each verb is one file in proxy/tasks/. The scheduler runs the three
 * phases in order inside the task's queue slot; a phase that has nothing to wait for returns
 * synchronously, so a read that waits for nothing costs no promise hop per phase.
 */
import type { ProxyContext } from './proxy-context.ts';

export type QueueKind = 'ddl' | 'dml' | 'dql';

export abstract class Task<Req = unknown, Res = unknown> {
  abstract readonly name: string;
  abstract readonly queue: QueueKind;

  constructor(
    protected readonly ctx: ProxyContext,
    protected readonly req: Req,
  ) {}

  /**
   * Keys this task must hold exclusively (DML: the collection it writes). Evaluated
   * synchronously at enqueue so order per key is submission order.
   */
  queueKeys(): string[] {
    return [];
  }

  /** May finish synchronously (return nothing): the scheduler awaits only a returned promise. */
  preExecute(): Promise<void> | void {}
  abstract execute(): Promise<void> | void;
  abstract postExecute(): Promise<Res> | Res;
}

/** The success status object every Milvus response carries. */
export const SUCCESS = Object.freeze({ error_code: 'Success', reason: '', code: 0 });
export type Status = typeof SUCCESS;
