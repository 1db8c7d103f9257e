/** GetCompactionState: Executing / Completed / Failed for a compactionID. */
import { VesperError } from '../../errors/index.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import type { CompactionState } from './compact-task.ts';

export interface CompactionStateRequest {
  compactionID: string | number;
}

export interface CompactionStateResponse {
  status: Status;
  state: CompactionState;
  executingPlanNo: string;
  timeoutPlanNo: string;
  completedPlanNo: string;
  failedPlanNo: string;
  /** The compacted collection (Vesper's addition: who may see the job is decided on it). */
  collection_name: string;
}

export class GetCompactionStateTask extends Task<CompactionStateRequest, CompactionStateResponse> {
  readonly name = 'GetCompactionState';
  readonly queue = 'dql' as const;
  private state: CompactionState = 'Completed';
  private plans = 0;
  private collection = '';

  async execute(): Promise<void> {
    const rec = this.ctx.compactions.get(Number(this.req.compactionID));
    if (!rec) throw new VesperError('PARAMETER_INVALID', `unknown compactionID ${String(this.req.compactionID)}`);
    this.state = rec.state;
    this.plans = rec.plans;
    this.collection = rec.collection;
  }

  postExecute(): CompactionStateResponse {
    return {
      status: SUCCESS,
      state: this.state,
      executingPlanNo: this.state === 'Executing' ? '1' : '0',
      timeoutPlanNo: '0',
      completedPlanNo: this.state === 'Completed' ? String(this.plans) : '0',
      failedPlanNo: this.state === 'Failed' ? '1' : '0',
      collection_name: this.collection,
    };
  }
}
