/**
 * DropCollection: removes the collection from the catalog, then its files and WAL channels.
 * Dropping a missing collection succeeds (Milvus's drop is idempotent).
 */
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface DropCollectionRequest {
  db_name?: string;
  collection_name: string;
}

export class DropCollectionTask extends Task<DropCollectionRequest, Status> {
  readonly name = 'DropCollection';
  readonly queue = 'ddl' as const;
  private target: CollectionInfo | undefined;

  override async preExecute(): Promise<void> {
    const db = this.ctx.dbName(this.req);
    this.ctx.catalog.database(db);
    this.target = this.ctx.catalog.listCollections(db).find((c) => c.name === this.req.collection_name);
  }

  async execute(): Promise<void> {
    if (!this.target) return;
    await this.ctx.catalog.dropCollection(this.target.id);
    // The catalog no longer names it, so a crash here only leaves orphaned files.
    await this.ctx.closeData(this.target, true);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
