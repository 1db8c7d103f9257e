/** DropPartition: forgets a partition and hides its rows (the `_default` partition cannot be dropped). */
import { VesperError } from '../../errors/index.ts';
import { DEFAULT_PARTITION, type CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { assertManualPartitions } from './partition-tasks-shared.ts';
import type { PartitionRequest } from './create-partition-task.ts';

export class DropPartitionTask extends Task<PartitionRequest, Status> {
  readonly name = 'DropPartition';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    assertManualPartitions(this.info, 'drop');
    if (this.req.partition_name === DEFAULT_PARTITION) throw new VesperError('PARAMETER_INVALID', 'default partition cannot be deleted');
  }

  async execute(): Promise<void> {
    const p = this.info.partitions.find((x) => x.name === this.req.partition_name);
    if (!p) return;
    // Rows of a dropped partition are no longer reachable: reads and writes address
    // partitions by id through the catalog. Compaction of its segments is left to GC work.
    await this.ctx.catalog.updateCollection({ ...this.info, partitions: this.info.partitions.filter((x) => x.id !== p.id) });
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
