/**
 * Database verbs (createDatabase/dropDatabase/listDatabases/describeDatabase/alterDatabase).
 * Small and sharing one request shape, they live together; each is its own task class.
 */
import { physicalMs } from '../../catalog/tso.ts';
import type { DatabaseInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { keyValuePairs } from '../render.ts';
import { requireString } from '../request-utils.ts';

export interface DatabaseRequest {
  db_name: string;
  properties?: Record<string, unknown>;
}

function stringProps(p: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p ?? {})) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

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
