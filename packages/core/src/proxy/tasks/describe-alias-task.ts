/** DescribeAlias: the collection an alias points to (1600 when unknown). */
import { VesperError } from '../../errors/index.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import type { AliasRequest } from './alias-request.ts';

export interface DescribeAliasResponse {
  status: Status;
  db_name: string;
  alias: string;
  collection: string;
}

export class DescribeAliasTask extends Task<AliasRequest, DescribeAliasResponse> {
  readonly name = 'DescribeAlias';
  readonly queue = 'dql' as const;
  private collection = '';

  async execute(): Promise<void> {
    const db = this.ctx.dbName(this.req);
    const id = this.ctx.catalog.aliasTarget(db, this.req.alias);
    const info = id === undefined ? undefined : this.ctx.catalog.collectionById(id);
    if (!info) throw new VesperError('ALIAS_NOT_FOUND', `alias not found[database=${db}][alias=${this.req.alias}]`);
    this.collection = info.name;
  }

  postExecute(): DescribeAliasResponse {
    return { status: SUCCESS, db_name: this.ctx.dbName(this.req), alias: this.req.alias, collection: this.collection };
  }
}

