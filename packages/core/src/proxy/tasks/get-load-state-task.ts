/** GetLoadState / GetLoadingProgress. */
import { Task, SUCCESS, type Status } from '../task.ts';
import type { LoadRequest } from './load-collection-task.ts';

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
    this.loaded = this.ctx.collection(this.req).loaded;
  }

  postExecute(): LoadStateResponse {
    const pct = this.loaded ? '100' : '0';
    return { status: SUCCESS, state: this.loaded ? 'LoadStateLoaded' : 'LoadStateNotLoad', progress: pct, loadedPercentage: pct };
  }
}
