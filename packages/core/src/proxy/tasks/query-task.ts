/**
 * Query / Get / Count (Milvus's queryTask): rows matching a filter (or the given ids),
 * ordered by primary key, with limit/offset and output fields; `output_fields:
 * ["count(*)"]` counts instead. Milvus's rule holds: a query without a filter needs a limit.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import type { ConsistencyLevel } from '../../schema/types.ts';
import { countRows, queryRows } from '../../query/query-executor.ts';
import { planOutput, type OutputPlan } from '../../query/output.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { renderRow } from '../render.ts';
import { keysFilter, parseIds, requestFilter, type FilterRequest, type RequestFilter } from '../filter.ts';
import { MAX_TOPK, optInt, parseConsistency, partitionIds, readTimestamp } from '../request-utils.ts';

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
  private filter: RequestFilter | undefined;
  private output!: OutputPlan;
  private parts: Set<number> | undefined;
  private level: ConsistencyLevel = 'Bounded';
  private count = false;
  private limit: number | undefined;
  private offset = 0;
  private rows: Record<string, unknown>[] = [];
  private ts = 0n;

  override async preExecute(): Promise<void> {
    const r = this.req;
    this.info = this.ctx.collection(r);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    this.filter = r.ids !== undefined && r.ids !== null ? keysFilter(parseIds(this.info.schema, r.ids)) : requestFilter(this.info.schema, r);
    const fields = r.output_fields ?? [];
    this.count = fields.some((f) => typeof f === 'string' && f.trim().toLowerCase() === 'count(*)');
    if (this.count && fields.length > 1) throw new VesperError('PARAMETER_INVALID', 'count entities with pagination or other output fields is not allowed');
    this.limit = optInt(r.limit, 'limit', 0, MAX_TOPK);
    this.offset = optInt(r.offset, 'offset', 0, MAX_TOPK) ?? 0;
    if (this.limit !== undefined && this.limit + this.offset > MAX_TOPK) {
      throw new VesperError('PARAMETER_INVALID', `limit + offset should be in range [0, ${MAX_TOPK}], got ${this.limit + this.offset}`);
    }
    if (!this.count && !this.filter && this.limit === undefined) {
      throw new VesperError('PARAMETER_INVALID', 'empty expression should be used with limit');
    }
    this.output = planOutput(this.info.schema, fields);
    this.parts = partitionIds(this.info, r.partition_names);
    this.level = parseConsistency(r.consistency_level, this.info.consistencyLevel);
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    this.ts = await readTimestamp(this.ctx, mgr, this.level, this.req.session_ts);
    const segments = mgr.segments(this.parts);
    if (this.count) {
      this.rows = [{ 'count(*)': countRows(segments, this.ts, this.filter) }];
      return;
    }
    this.rows = queryRows(segments, this.ts, {
      ...(this.filter ? { filter: this.filter } : {}),
      ...(this.limit !== undefined ? { limit: this.limit } : {}),
      offset: this.offset,
      output: this.output,
    }).map(renderRow);
  }

  postExecute(): QueryResponse {
    return { status: SUCCESS, data: this.rows, session_ts: this.ts.toString() };
  }
}
