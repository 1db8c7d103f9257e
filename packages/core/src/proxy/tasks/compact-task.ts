/**
 * Compact: merges small sealed segments and purges deleted rows in the background; the
 * response carries a compactionID to poll with GetCompactionState (as in Milvus).
 */
import { compact, collectGarbage } from '../../segments/segment-maintenance.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface CompactRequest {
  db_name?: string;
  collection_name: string;
}

export type CompactionState = 'Executing' | 'Completed' | 'Failed';

export class CompactTask extends Task<CompactRequest, { status: Status; compactionID: string }> {
  readonly name = 'Compact';
  readonly queue = 'dml' as const;
  private id = 0;

  override queueKeys(): string[] {
    return [`coll:${this.ctx.collection(this.req).id}`];
  }

  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    const mgr = await this.ctx.data(info);
    const collection = info.name;
    this.id = await this.ctx.ids.alloc();
    const job = compact(mgr).then(async (r) => {
      // a catalog view does not see the files other writers have not committed yet (holder-role.ts)
      if (this.ctx.managerRole.collectsGarbage) await collectGarbage(mgr);
      return r;
    });
    this.ctx.compactions.set(this.id, { state: 'Executing', plans: 0, collection });
    mgr.track(
      job.then(
        (r) => this.ctx.compactions.set(this.id, { state: 'Completed', plans: r.produced, collection }),
        (e: unknown) => {
          this.ctx.compactions.set(this.id, { state: 'Failed', plans: 0, collection });
          throw e;
        },
      ),
    );
  }

  postExecute(): { status: Status; compactionID: string } {
    return { status: SUCCESS, compactionID: String(this.id) };
  }
}
