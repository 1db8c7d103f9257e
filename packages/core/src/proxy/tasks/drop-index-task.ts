/** DropIndex: forgets the index (catalog and manifest); its files are garbage-collected. */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo, IndexInfo } from '../../catalog/types.ts';
import { dropIndexFiles } from '../../segments/segment-maintenance.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface DropIndexRequest {
  db_name?: string;
  collection_name: string;
  index_name?: string;
  field_name?: string;
}

export class DropIndexTask extends Task<DropIndexRequest, Status> {
  readonly name = 'DropIndex';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;
  private target: IndexInfo | undefined;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    const { index_name: name, field_name: field } = this.req;
    const matches = this.info.indexes.filter((i) => (!name || i.indexName === name) && (!field || i.fieldName === field));
    if (matches.length > 1) throw new VesperError('PARAMETER_INVALID', 'there are multiple indexes, please specify the index_name');
    this.target = matches[0];
    if (this.target && this.info.loaded) {
      throw new VesperError('PARAMETER_INVALID', `index cannot be dropped, collection is loaded, please release it first`);
    }
  }

  async execute(): Promise<void> {
    const t = this.target;
    if (!t) return;
    const next = { ...this.info, indexes: this.info.indexes.filter((i) => i.indexId !== t.indexId) };
    await this.ctx.catalog.updateCollection(next);
    await dropIndexFiles(await this.ctx.data(next), t.fieldName);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
