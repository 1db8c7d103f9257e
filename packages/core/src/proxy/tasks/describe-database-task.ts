/** DescribeDatabase: id, creation time and properties of a database. */
import { physicalMs } from '../../catalog/tso.ts';
import type { DatabaseInfo } from '../../catalog/types.ts';
import { Task, SUCCESS } from '../task.ts';
import { keyValuePairs } from '../render.ts';
import { requireString } from '../request-utils.ts';
import type { DatabaseRequest } from './database-request.ts';

export class DescribeDatabaseTask extends Task<DatabaseRequest, Record<string, unknown>> {
  readonly name = 'DescribeDatabase';
  readonly queue = 'dql' as const;
  private db!: DatabaseInfo;
  async execute(): Promise<void> {
    this.db = this.ctx.catalog.database(requireString(this.req.db_name, 'db_name'));
  }
  postExecute(): Record<string, unknown> {
    return {
      status: SUCCESS,
      db_name: this.db.name,
      dbID: String(this.db.id),
      created_timestamp: this.db.createdTs,
      created_utc_timestamp: String(physicalMs(BigInt(this.db.createdTs))),
      properties: keyValuePairs(this.db.properties),
    };
  }
}
