/** AlterDatabase (and DropDatabaseProperties): merges properties into a database, removes delete_keys. */
import { VesperError } from '../../errors/index.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { requireString, stringProps } from '../request-utils.ts';
import type { DatabaseRequest } from './database-request.ts';

export class AlterDatabaseTask extends Task<DatabaseRequest, Status> {
  readonly name = 'AlterDatabase';
  readonly queue = 'ddl' as const;
  async execute(): Promise<void> {
    const drop = this.req.delete_keys ?? [];
    if (!Array.isArray(drop) || drop.some((k) => typeof k !== 'string')) throw new VesperError('PARAMETER_INVALID', 'delete_keys must be a list of property keys');
    await this.ctx.catalog.alterDatabase(requireString(this.req.db_name, 'db_name'), stringProps(this.req.properties), drop);
  }
  postExecute(): Status {
    return SUCCESS;
  }
}
