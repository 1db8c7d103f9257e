/** HasCollection: whether a collection (or alias) exists in the database. */
import { Task, SUCCESS, type Status } from '../task.ts';

export interface HasCollectionRequest {
  db_name?: string;
  collection_name: string;
}

export class HasCollectionTask extends Task<HasCollectionRequest, { status: Status; value: boolean }> {
  readonly name = 'HasCollection';
  readonly queue = 'dql' as const;
  private value = false;

  async execute(): Promise<void> {
    this.value = this.ctx.catalog.findCollection(this.ctx.dbName(this.req), this.req.collection_name) !== undefined;
  }

  postExecute(): { status: Status; value: boolean } {
    return { status: SUCCESS, value: this.value };
  }
}
