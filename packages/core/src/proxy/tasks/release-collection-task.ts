/**
 * ReleaseCollection / ReleasePartitions: searches and queries answer 101 until loaded again,
 * and the collection's memory (segments, indexes) is freed. Its data stays durable in the
 * WAL and the object store; a later write or load reopens it.
 */
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import type { LoadRequest } from './load-collection-task.ts';

export class ReleaseCollectionTask extends Task<LoadRequest, Status> {
  readonly name = 'ReleaseCollection';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
  }

  async execute(): Promise<void> {
    if (this.info.loaded) await this.ctx.catalog.updateCollection({ ...this.info, loaded: false });
    await this.ctx.closeData(this.info, false);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
