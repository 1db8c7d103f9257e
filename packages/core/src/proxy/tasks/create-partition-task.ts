/** CreatePartition: a new named partition (not in partition-key collections). */
import { VesperError } from '../../errors/index.ts';
import { LIMITS, validateName } from '../../schema/validate.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { assertManualPartitions } from './partition-tasks-shared.ts';

export interface PartitionRequest {
  db_name?: string;
  collection_name: string;
  partition_name: string;
}

export class CreatePartitionTask extends Task<PartitionRequest, Status> {
  readonly name = 'CreatePartition';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;
  private exists = false;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    assertManualPartitions(this.info, 'create');
    validateName(this.req.partition_name, 'partition');
    this.exists = this.info.partitions.some((p) => p.name === this.req.partition_name);
    if (!this.exists && this.info.partitions.length >= LIMITS.maxPartitions) {
      throw new VesperError('PARTITION_NUM_LIMIT_EXCEEDED', `collection ${this.info.name} already has ${LIMITS.maxPartitions} partitions`);
    }
  }

  async execute(): Promise<void> {
    if (this.exists) return;
    const id = await this.ctx.ids.alloc();
    const createdTs = String(await this.ctx.tso.next());
    await this.ctx.catalog.updateCollection({ ...this.info, partitions: [...this.info.partitions, { id, name: this.req.partition_name, createdTs }] });
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
