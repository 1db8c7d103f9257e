/**
 * LoadCollection / LoadPartitions: makes the collection searchable (Milvus's load), opening
 * its data (sealed segments, indexes, WAL tail) if not open yet. Without a vector index a
 * collection is searched exactly (FLAT), so loading does not require one.
 */
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface LoadRequest {
  db_name?: string;
  collection_name: string;
  partition_names?: string[];
}

export class LoadCollectionTask extends Task<LoadRequest, Status> {
  readonly name = 'LoadCollection';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
  }

  async execute(): Promise<void> {
    await this.ctx.data(this.info);
    if (!this.info.loaded) await this.ctx.catalog.updateCollection({ ...this.info, loaded: true });
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
