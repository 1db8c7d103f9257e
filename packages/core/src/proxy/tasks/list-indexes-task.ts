/** ListIndexes: index names of a collection (optionally of one field). */
import { Task, SUCCESS, type Status } from '../task.ts';

export interface ListIndexesRequest {
  db_name?: string;
  collection_name: string;
  field_name?: string;
}

export class ListIndexesTask extends Task<ListIndexesRequest, { status: Status; indexes: string[] }> {
  readonly name = 'ListIndexes';
  readonly queue = 'dql' as const;
  private names: string[] = [];

  async execute(): Promise<void> {
    const f = this.req.field_name;
    this.names = this.ctx.collection(this.req).indexes.filter((i) => !f || i.fieldName === f).map((i) => i.indexName);
  }

  postExecute(): { status: Status; indexes: string[] } {
    return { status: SUCCESS, indexes: this.names };
  }
}
