/** AlterAlias: repoints an existing alias to another collection. */
import { AliasDdl } from './alias-request.ts';

export class AlterAliasTask extends AliasDdl {
  readonly name = 'AlterAlias';
  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    await this.ctx.catalog.setAlias(this.ctx.dbName(this.req), this.req.alias, info.id, true);
  }
}
