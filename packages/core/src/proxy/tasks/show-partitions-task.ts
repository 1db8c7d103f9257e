/** ShowPartitions / ListPartitions. */
import { physicalMs } from '../../catalog/tso.ts';
import type { PartitionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface ShowPartitionsRequest {
  db_name?: string;
  collection_name: string;
}

export interface ShowPartitionsResponse {
  status: Status;
  partition_names: string[];
  partitionIDs: string[];
  created_timestamps: string[];
  created_utc_timestamps: string[];
  data: { name: string; id: string; timestamp: string; loadedPercentage: string }[];
}

export class ShowPartitionsTask extends Task<ShowPartitionsRequest, ShowPartitionsResponse> {
  readonly name = 'ShowPartitions';
  readonly queue = 'dql' as const;
  private parts: readonly PartitionInfo[] = [];
  private loaded = (_id: number): boolean => false;

  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    this.parts = info.partitions;
    const released = new Set(info.releasedPartitions ?? []);
    this.loaded = (id) => info.loaded && !released.has(id);
  }

  postExecute(): ShowPartitionsResponse {
    const p = this.parts;
    return {
      status: SUCCESS,
      partition_names: p.map((x) => x.name),
      partitionIDs: p.map((x) => String(x.id)),
      created_timestamps: p.map((x) => x.createdTs),
      created_utc_timestamps: p.map((x) => String(physicalMs(BigInt(x.createdTs)))),
      data: p.map((x) => ({ name: x.name, id: String(x.id), timestamp: x.createdTs, loadedPercentage: this.loaded(x.id) ? '100' : '0' })),
    };
  }
}
