/** ListDatabases: names and ids of every database. */
import type { DatabaseInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export class ListDatabasesTask extends Task<Record<string, never>, { status: Status; db_names: string[]; db_ids: string[]; created_timestamp: string[] }> {
  readonly name = 'ListDatabases';
  readonly queue = 'dql' as const;
  private dbs: DatabaseInfo[] = [];
  async execute(): Promise<void> {
    this.dbs = this.ctx.catalog.listDatabases();
  }
  postExecute(): { status: Status; db_names: string[]; db_ids: string[]; created_timestamp: string[] } {
    return {
      status: SUCCESS,
      db_names: this.dbs.map((d) => d.name),
      db_ids: this.dbs.map((d) => String(d.id)),
      created_timestamp: this.dbs.map((d) => d.createdTs),
    };
  }
}
