/** GetCollectionStatistics / GetPartitionStatistics: live row count (deleted rows excluded). */
import { Task, SUCCESS, type Status } from '../task.ts';
import { partitionIds } from '../request-utils.ts';

export interface GetStatisticsRequest {
  db_name?: string;
  collection_name: string;
  partition_name?: string;
}

export interface StatisticsResponse {
  status: Status;
  stats: { key: string; value: string }[];
  data: { row_count: string };
}

export class GetStatisticsTask extends Task<GetStatisticsRequest, StatisticsResponse> {
  readonly name = 'GetStatistics';
  readonly queue = 'dql' as const;
  private rows = 0;

  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    const parts = this.req.partition_name !== undefined ? partitionIds(info, [this.req.partition_name]) : undefined;
    const mgr = await this.ctx.data(info);
    this.rows = mgr.segments(parts).reduce((n, s) => n + s.liveCount, 0);
  }

  postExecute(): StatisticsResponse {
    const value = String(this.rows);
    return { status: SUCCESS, stats: [{ key: 'row_count', value }], data: { row_count: value } };
  }
}
