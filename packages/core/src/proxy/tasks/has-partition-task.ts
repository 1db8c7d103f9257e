/** HasPartition. */
import { Task, SUCCESS, type Status } from '../task.ts';
import type { PartitionRequest } from './create-partition-task.ts';

export class HasPartitionTask extends Task<PartitionRequest, { status: Status; value: boolean }> {
  readonly name = 'HasPartition';
  readonly queue = 'dql' as const;
  private value = false;

  async execute(): Promise<void> {
    this.value = this.ctx.collection(this.req).partitions.some((p) => p.name === this.req.partition_name);
  }

  postExecute(): { status: Status; value: boolean } {
    return { status: SUCCESS, value: this.value };
  }
}
