/** GetLoadState / GetLoadingProgress, of the collection or of the named partitions. */
import { Task, SUCCESS, type Status } from '../task.ts';
import type { LoadRequest } from './load-collection-task.ts';
import { partitionIds } from '../request-utils.ts';

export interface LoadStateResponse {
  status: Status;
  state: 'LoadStateLoaded' | 'LoadStateNotLoad';
  progress: string;
  loadedPercentage: string;
}

export class GetLoadStateTask extends Task<LoadRequest, LoadStateResponse> {
  readonly name = 'GetLoadState';
  readonly queue = 'dql' as const;
  private loaded = false;

  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    // with partition names: loaded when the collection is and none of them is released (an unknown name is 200)
    const ids = partitionIds(info, this.req.partition_names);
    const released = new Set(info.releasedPartitions ?? []);
    this.loaded = info.loaded && (ids === undefined || [...ids].every((id) => !released.has(id)));
  }

  postExecute(): LoadStateResponse {
    const pct = this.loaded ? '100' : '0';
    return { status: SUCCESS, state: this.loaded ? 'LoadStateLoaded' : 'LoadStateNotLoad', progress: pct, loadedPercentage: pct };
  }
}
