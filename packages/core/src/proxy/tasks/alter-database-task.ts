/** AlterDatabase: merges properties into a database. */
import { Task, SUCCESS, type Status } from '../task.ts';
import { requireString, stringProps } from '../request-utils.ts';
import type { DatabaseRequest } from './database-request.ts';

export class AlterDatabaseTask extends Task<DatabaseRequest, Status> {
  readonly name = 'AlterDatabase';
  readonly queue = 'ddl' as const;
  async execute(): Promise<void> {
    await this.ctx.catalog.alterDatabase(requireString(this.req.db_name, 'db_name'), stringProps(this.req.properties));
  }
  postExecute(): Status {
    return SUCCESS;
  }
}
