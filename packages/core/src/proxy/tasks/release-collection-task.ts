/** ReleaseCollection / ReleasePartitions: searches and queries answer 101 until loaded again. */
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
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
