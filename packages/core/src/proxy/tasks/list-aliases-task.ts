/** ListAliases: aliases of the database, or of one collection. */
import { Task, SUCCESS, type Status } from '../task.ts';

export interface ListAliasesRequest {
  db_name?: string;
  collection_name?: string;
}

export class ListAliasesTask extends Task<ListAliasesRequest, { status: Status; db_name: string; collection_name: string; aliases: string[] }> {
  readonly name = 'ListAliases';
  readonly queue = 'dql' as const;
  private aliases: string[] = [];

  async execute(): Promise<void> {
    const db = this.ctx.dbName(this.req);
    const id = this.req.collection_name ? this.ctx.collection(this.req).id : undefined;
    this.aliases = this.ctx.catalog.listAliases(db, id);
  }

  postExecute(): { status: Status; db_name: string; collection_name: string; aliases: string[] } {
    return { status: SUCCESS, db_name: this.ctx.dbName(this.req), collection_name: this.req.collection_name ?? '', aliases: this.aliases };
  }
}
