/** CreateDatabase: a new database (802 bad name, 803 exists). */
import { Task, SUCCESS, type Status } from '../task.ts';
import { requireString, stringProps } from '../request-utils.ts';
import type { DatabaseRequest } from './database-request.ts';

export class CreateDatabaseTask extends Task<DatabaseRequest, Status> {
  readonly name = 'CreateDatabase';
  readonly queue = 'ddl' as const;
  async execute(): Promise<void> {
    const name = requireString(this.req.db_name, 'db_name');
    await this.ctx.catalog.createDatabase({
      id: await this.ctx.ids.alloc(),
      name,
      createdTs: String(await this.ctx.tso.next()),
      properties: stringProps(this.req.properties),
    });
  }
  postExecute(): Status {
    return SUCCESS;
  }
}
