/**
 * Delete (Milvus's deleteTask): by primary keys (`ids`, or a filter that is exactly a key
 * lookup) or by any filter. A general filter is evaluated inside the collection's DML slot
 * at a Strong snapshot, so the keys it finds are exactly the rows that exist when the
 * delete applies; the keys are then deleted through each shard's WAL.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { existingKeys, queryKeys } from '../../query/query-executor.ts';
import { Task, SUCCESS } from '../task.ts';
import { renderIds } from '../render.ts';
import { parseIds, requestFilter, type FilterRequest, type RequestFilter } from '../filter.ts';
import { partitionIds } from '../request-utils.ts';
import { routeKeys } from '../write-routing.ts';
import type { MutationResult } from './insert-task.ts';

export interface DeleteRequest extends FilterRequest {
  db_name?: string;
  collection_name: string;
  partition_name?: string;
  ids?: unknown;
}

export class DeleteTask extends Task<DeleteRequest, MutationResult> {
  readonly name = 'Delete';
  readonly queue = 'dml' as const;
  private info!: CollectionInfo;
  private filter: RequestFilter | undefined;
  private pks: (bigint | string)[] = [];
  private partitionId = -1;
  private ts = 0n;

  override queueKeys(): string[] {
    return [`coll:${this.ctx.collection(this.req).id}`];
  }

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    if (this.req.partition_name !== undefined && this.req.partition_name !== '') {
      this.partitionId = [...partitionIds(this.info, [this.req.partition_name])!][0]!;
    }
    if (this.req.ids !== undefined && this.req.ids !== null) {
      this.pks = parseIds(this.info.schema, this.req.ids);
      return;
    }
    this.filter = requestFilter(this.info.schema, this.req);
    if (!this.filter) throw new VesperError('PARAMETER_INVALID', 'delete needs a non-empty filter or ids');
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    if (this.filter?.primaryKeys) this.pks = [...this.filter.primaryKeys];
    // Inside the collection's DML slot at a Strong snapshot: the keys found (or given and
    // present) are exactly the rows this delete removes, which is what Milvus counts.
    const ts = await this.ctx.tso.next();
    await mgr.waitApplied(ts);
    const parts = this.partitionId >= 0 ? new Set([this.partitionId]) : undefined;
    this.pks = this.filter && !this.filter.primaryKeys ? queryKeys(mgr.segments(parts), ts, this.filter) : existingKeys(mgr.segments(parts), ts, this.pks);
    const c = this.info.id;
    const stamps = await Promise.all(
      [...routeKeys(this.info, this.pks)].map(([shard, pks]) =>
        mgr.write(shard, (ts) => ({ type: 'delete', collectionId: c, partitionId: this.partitionId, ts, pks })),
      ),
    );
    this.ts = stamps.reduce((a, b) => (b > a ? b : a), 0n);
  }

  postExecute(): MutationResult {
    return {
      status: SUCCESS,
      succ_index: [],
      err_index: [],
      IDs: renderIds(this.info.schema, this.pks),
      acknowledged: false,
      insert_cnt: '0',
      delete_cnt: String(this.pks.length),
      upsert_cnt: '0',
      timestamp: this.ts.toString(),
    };
  }
}
