/** DropDatabase: removes an empty database (804 while it holds collections). */
import { Task, SUCCESS, type Status } from '../task.ts';
import { requireString } from '../request-utils.ts';
import type { DatabaseRequest } from './database-request.ts';

export class DropDatabaseTask extends Task<DatabaseRequest, Status> {
  readonly name = 'DropDatabase';
  readonly queue = 'ddl' as const;
  async execute(): Promise<void> {
    await this.ctx.catalog.dropDatabase(requireString(this.req.db_name, 'db_name'));
  }
  postExecute(): Status {
    return SUCCESS;
  }
}
