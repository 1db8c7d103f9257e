/**
 * Query / Get / Count (Milvus's queryTask): rows matching a filter (or the given ids),
 * ordered by primary key, with limit/offset and output fields; `output_fields:
 * ["count(*)"]` counts instead. Milvus's rule holds: a query without a filter needs a limit.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import type { ConsistencyLevel } from '../../schema/types.ts';
import { countRows } from '../../query/query-executor.ts';
import { mergeQuery, queryPartial } from '../../query/partial.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { renderRow } from '../render.ts';
import type { FilterRequest } from '../filter.ts';
import { readTimestamp } from '../request-utils.ts';
import { writerAssignment } from '../../segments/sealed-replica.ts';
import { prepareQuery, querySpec, type PreparedQuery } from '../prepared.ts';

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
  private prep!: PreparedQuery;
  private rows: Record<string, unknown>[] = [];
  private ts = 0n;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    this.prep = prepareQuery(this.info, this.req);
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    const p = this.prep;
    this.ts = await readTimestamp(this.ctx, mgr, p.level, this.req.session_ts);
    const pool = this.ctx.options.readers;
    const remote = pool?.covers(mgr) === true;
    const local = mgr.segments(p.parts).filter((seg) => !remote || !seg.sealed);
    const assignment = remote ? writerAssignment(mgr) : undefined;
    if (p.count) {
      const n = countRows(local, this.ts, p.filter) + (remote ? await pool!.count(this.info, assignment!, this.req, this.ts) : 0);
      this.rows = [{ 'count(*)': n }];
      return;
    }
    const mine = queryPartial(local, this.ts, querySpec(p));
    const parts = remote ? [mine, ...(await pool!.query(this.info, assignment!, this.req, this.ts))] : [mine];
    this.rows = mergeQuery(parts, p.offset, p.limit).map(renderRow);
  }

  postExecute(): QueryResponse {
    return { status: SUCCESS, data: this.rows, session_ts: this.ts.toString() };
  }
}
