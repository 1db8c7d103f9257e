/**
 * Search (Milvus's searchTask): ANN or exact top-k over the loaded collection, nq >= 1,
 * with filter, partitions, range window, grouping, output fields and a consistency level.
 * nq = 1 answers a flat list; nq > 1 a list per query, as the Milvus Node SDK does.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import type { ConsistencyLevel } from '../../schema/types.ts';
import { primaryField } from '../../schema/types.ts';
import { searchSegments, type SegmentHit } from '../../query/search-executor.ts';
import { materializeRow, planOutput, type OutputPlan } from '../../query/output.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { renderRow } from '../render.ts';
import { requestFilter, type FilterRequest, type RequestFilter } from '../filter.ts';
import { parseConsistency, partitionIds, readTimestamp } from '../request-utils.ts';
import { parseSearch, type ParsedSearch, type SearchRequestFields } from '../search-request.ts';

export interface SearchRequest extends SearchRequestFields, FilterRequest {
  db_name?: string;
  collection_name: string;
  output_fields?: string[];
  partition_names?: string[];
  consistency_level?: ConsistencyLevel | number;
  /** Session consistency: the caller's last write timestamp. */
  session_ts?: string;
}

export type SearchRow = Record<string, unknown> & { id: unknown; score: number };

export interface SearchResponse {
  status: Status;
  results: SearchRow[] | SearchRow[][];
  topks: number[];
  recalls: number[];
  session_ts: string;
  collection_name: string;
}

export class SearchTask extends Task<SearchRequest, SearchResponse> {
  readonly name = 'Search';
  readonly queue = 'dql' as const;
  private info!: CollectionInfo;
  private spec!: ParsedSearch;
  private filter: RequestFilter | undefined;
  private output!: OutputPlan;
  private parts: Set<number> | undefined;
  private level: ConsistencyLevel = 'Bounded';
  private hits: SegmentHit[][] = [];
  private ts = 0n;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    if (!this.info.loaded) throw new VesperError('COLLECTION_NOT_LOADED', `collection not loaded[collection=${this.info.name}]`);
    this.spec = parseSearch(this.info, this.req);
    this.filter = requestFilter(this.info.schema, this.req);
    this.output = planOutput(this.info.schema, this.req.output_fields);
    this.parts = partitionIds(this.info, this.req.partition_names);
    this.level = parseConsistency(this.req.consistency_level, this.info.consistencyLevel);
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    this.ts = await readTimestamp(this.ctx, mgr, this.level, this.req.session_ts);
    const s = this.spec;
    this.hits = searchSegments(mgr.segments(this.parts), this.ts, {
      field: s.field,
      metric: s.metric,
      queries: s.vectors,
      limit: s.limit,
      offset: s.offset,
      params: s.params,
      ...(this.filter ? { filter: this.filter } : {}),
      ...(s.radius !== undefined ? { radius: s.radius } : {}),
      ...(s.rangeFilter !== undefined ? { rangeFilter: s.rangeFilter } : {}),
      ...(s.groupBy ? { groupBy: s.groupBy } : {}),
    });
  }

  postExecute(): SearchResponse {
    const pk = primaryField(this.info.schema).name;
    const rows = this.hits.map((list) =>
      list.map((h) => {
        const row = renderRow(materializeRow(this.output, h.segment, h.row));
        return { ...row, id: row[pk], score: h.distance } as SearchRow;
      }),
    );
    return {
      status: SUCCESS,
      results: this.spec.single ? rows[0]! : rows,
      topks: rows.map((r) => r.length),
      recalls: [],
      session_ts: this.ts.toString(),
      collection_name: this.info.name,
    };
  }
}
