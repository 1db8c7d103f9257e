/**
 * Alias verbs (Milvus's createAlias/dropAlias/alterAlias/describeAlias/listAliases tasks).
 * They are tiny and share one request shape, so they live together; each is still its own
 * task class on the DDL or DQL queue.
 */
import { VesperError } from '../../errors/index.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface AliasRequest {
  db_name?: string;
  alias: string;
  collection_name?: string;
}

abstract class AliasDdl extends Task<AliasRequest, Status> {
  readonly queue = 'ddl' as const;
  postExecute(): Status {
    return SUCCESS;
  }
}

export class CreateAliasTask extends AliasDdl {
  readonly name = 'CreateAlias';
  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    await this.ctx.catalog.setAlias(this.ctx.dbName(this.req), this.req.alias, info.id, false);
  }
}

export class AlterAliasTask extends AliasDdl {
  readonly name = 'AlterAlias';
  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    await this.ctx.catalog.setAlias(this.ctx.dbName(this.req), this.req.alias, info.id, true);
  }
}

export class DropAliasTask extends AliasDdl {
  readonly name = 'DropAlias';
  async execute(): Promise<void> {
    await this.ctx.catalog.dropAlias(this.ctx.dbName(this.req), this.req.alias);
  }
}

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
