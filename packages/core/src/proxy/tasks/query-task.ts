/**
 * Query / Get / Count (Milvus's queryTask): rows matching a filter (or the given ids),
 * ordered by primary key, with limit/offset and output fields; `output_fields:
 * ["count(*)"]` counts instead. Milvus's rule holds: a query without a filter needs a limit.
 * PreExecute prepares the ReadPlan; Execute runs it through the read pipeline.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import type { ConsistencyLevel } from '../../schema/types.ts';
import type { CountPlan, QueryPlan } from '../../query/read-plan.ts';
import { executeCount, executeQuery } from '../../query/read-executor.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { renderRow } from '../render.ts';
import type { FilterRequest } from '../filter.ts';
import { pinnedTimestamp, readTimestamp, readTimestampNow } from '../request-utils.ts';
import type { SegmentManager } from '../../segments/segment-manager.ts';
import { prepareQuery } from '../prepared.ts';
import { localHost } from '../read-host.ts';

export interface QueryRequest extends FilterRequest {
  db_name?: string;
  collection_name: string;
  output_fields?: string[];
  limit?: number;
  offset?: number;
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
  session_ts?: string;
  /** Get: primary keys to fetch. */
  ids?: unknown;
  /** Read sealed segments only (also accepted inside `params`). */
  ignore_growing?: boolean;
  /** Milvus 2.6 ordering: `"f:asc"`, `["f:desc", ...]`, `[{field, order}]`, `":nulls_first"` / `":nulls_last"`. */
  order_by_fields?: unknown;
  order_by?: unknown;
  /** Query parameters as the SDK sends them (`ignore_growing`, `order_by_fields` are read from here). */
  params?: Record<string, unknown>;
  /** Milvus 2.6 query aggregation: rows grouped by these fields, aggregates in `output_fields` (query/aggregate.ts). */
  group_by_fields?: unknown;
  /**
   * Read exactly at this earlier timestamp (a `session_ts` this database answered), instead of
   * the consistency level's: what the query iterator uses so every batch reads one snapshot.
   */
  snapshot_ts?: string;
}

export interface QueryResponse {
  status: Status;
  data: Record<string, unknown>[];
  session_ts: string;
}

export class QueryTask extends Task<QueryRequest, QueryResponse> {
  readonly name = 'Query';
  readonly queue = 'dql' as const;
  private info!: CollectionInfo;
  private plan!: QueryPlan | CountPlan;
  private rows: Record<string, unknown>[] = [];
  private ts = 0n;

  override preExecute(): void {
    this.info = this.ctx.collection(this.req);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    this.plan = prepareQuery(this.info, this.req);
  }

  /** Synchronous when the collection is open and the consistency level waits for nothing. */
  execute(): Promise<void> | void {
    const mgr = this.ctx.dataNow(this.info);
    const ts = mgr === undefined || this.req.snapshot_ts !== undefined ? undefined : readTimestampNow(this.ctx, mgr, this.plan.level, this.req.session_ts);
    if (mgr === undefined || ts === undefined) return this.executeWaiting();
    return this.run(mgr, ts);
  }

  private async executeWaiting(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    const ts = this.req.snapshot_ts !== undefined ? await pinnedTimestamp(this.ctx, mgr, this.req.snapshot_ts) : await readTimestamp(this.ctx, mgr, this.plan.level, this.req.session_ts);
    await this.run(mgr, ts);
  }

  private run(mgr: SegmentManager, ts: bigint): Promise<void> | void {
    const p = this.plan;
    this.ts = ts;
    const host = localHost(this.ctx, mgr, this.info, p.partitionIds, ts);
    if (p.kind === 'count') {
      const n = executeCount(p, ts, host);
      if (n instanceof Promise) return n.then((c) => void (this.rows = [{ 'count(*)': c }]));
      this.rows = [{ 'count(*)': n }];
      return;
    }
    const rows = executeQuery(p, ts, host, true);
    if (rows instanceof Promise) return rows.then((r) => void (this.rows = r.map((x) => renderRow(x.row))));
    this.rows = rows.map((x) => renderRow(x.row));
  }

  postExecute(): QueryResponse {
    return { status: SUCCESS, data: this.rows, session_ts: this.ts.toString() };
  }
}
