/**
 * ReleaseCollection / ReleasePartitions: searches and queries answer 101 until loaded again,
 * and the collection's memory (segments, indexes) is freed. Its data stays durable in the
 * WAL and the object store; a later write or load reopens it.
 *
 * Releasing some partitions of a loaded collection keeps it loaded: reads skip them (a read
 * naming one is 201), their rows stay in memory. Releasing the last loaded partition releases
 * the collection. A name the collection does not have is 200 and changes nothing.
 */
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { namedPartitions, type LoadRequest } from './load-collection-task.ts';

export class ReleaseCollectionTask extends Task<LoadRequest, Status> {
  readonly name: string = 'ReleaseCollection';
  readonly queue = 'ddl' as const;
  protected partitionsCall = false;
  private info!: CollectionInfo;
  private ids: Set<number> | undefined;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    this.ids = namedPartitions(this.info, this.req, this.partitionsCall);
  }

  async execute(): Promise<void> {
    if (this.ids !== undefined && this.info.loaded) {
      const released = new Set([...(this.info.releasedPartitions ?? []), ...this.ids]);
      if (this.info.partitions.some((p) => !released.has(p.id))) {
        await this.ctx.catalog.updateCollection({ ...this.info, releasedPartitions: [...released] });
        return;
      }
    }
    if (this.info.loaded) await this.ctx.catalog.updateCollection({ ...this.info, loaded: false, releasedPartitions: [] });
    await this.ctx.closeData(this.info, false);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}

export class ReleasePartitionsTask extends ReleaseCollectionTask {
  override readonly name: string = 'ReleasePartitions';
  protected override partitionsCall = true;
}
