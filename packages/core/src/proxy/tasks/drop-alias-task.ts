/** DropAlias: removes an alias (missing aliases are fine). */
import { AliasDdl } from './alias-request.ts';

export class DropAliasTask extends AliasDdl {
  readonly name = 'DropAlias';
  async execute(): Promise<void> {
    await this.ctx.catalog.dropAlias(this.ctx.dbName(this.req), this.req.alias);
  }
}
