/**
 * DescribeIndex: each index with its build progress, counted as Milvus's DataCoord counts it —
 * over sealed (flushed) segments only. total_rows is the sealed rows, indexed_rows those whose
 * segment has the index, pending_index_rows the rest, and the state is Finished when nothing is
 * pending. Growing rows are in none of the counts (Milvus searches them without the index), so
 * a collection holding only unflushed rows reports Finished with 0 of 0 rows, and Finished
 * always means indexed_rows = total_rows.
 */
import { VesperError } from '../../errors/index.ts';
import type { IndexInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { keyValuePairs } from '../render.ts';

export interface DescribeIndexRequest {
  db_name?: string;
  collection_name: string;
  index_name?: string;
  field_name?: string;
}

export interface IndexDescription {
  index_name: string;
  indexID: string;
  field_name: string;
  index_type: string;
  metric_type: string;
  params: { key: string; value: string }[];
  indexed_rows: string;
  total_rows: string;
  pending_index_rows: string;
  state: 'Finished' | 'InProgress';
  index_state_fail_reason: string;
}

export class DescribeIndexTask extends Task<DescribeIndexRequest, { status: Status; index_descriptions: IndexDescription[] }> {
  readonly name = 'DescribeIndex';
  readonly queue = 'dql' as const;
  private out: IndexDescription[] = [];

  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    const { index_name: name, field_name: field } = this.req;
    const chosen = info.indexes.filter((i) => (!name || i.indexName === name) && (!field || i.fieldName === field));
    if (chosen.length === 0) {
      throw new VesperError('INDEX_NOT_FOUND', `index not found[collection=${info.name}]${name ? `[indexName=${name}]` : ''}`);
    }
    const mgr = await this.ctx.data(info);
    this.out = chosen.map((i) => this.describe(i, mgr.sealed));
  }

  private describe(i: IndexInfo, sealed: readonly { rowCount: number; hasIndex(field: string): boolean }[]): IndexDescription {
    const sealedRows = sealed.reduce((n, s) => n + s.rowCount, 0);
    const indexed = sealed.filter((s) => s.hasIndex(i.fieldName)).reduce((n, s) => n + s.rowCount, 0);
    const pending = sealedRows - indexed;
    return {
      index_name: i.indexName,
      indexID: String(i.indexId),
      field_name: i.fieldName,
      index_type: i.indexType,
      metric_type: i.metricType ?? '',
      params: keyValuePairs({ index_type: i.indexType, ...(i.metricType ? { metric_type: i.metricType } : {}), ...i.params, ...i.properties }),
      indexed_rows: String(indexed),
      total_rows: String(sealedRows),
      pending_index_rows: String(pending),
      state: pending === 0 ? 'Finished' : 'InProgress',
      index_state_fail_reason: '',
    };
  }

  postExecute(): { status: Status; index_descriptions: IndexDescription[] } {
    return { status: SUCCESS, index_descriptions: this.out };
  }
}
