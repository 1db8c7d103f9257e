/** CreateAlias: a new alias for a collection (an existing alias must use AlterAlias). */
import { AliasDdl } from './alias-request.ts';

export class CreateAliasTask extends AliasDdl {
  readonly name = 'CreateAlias';
  async execute(): Promise<void> {
    const info = this.ctx.collection(this.req);
    await this.ctx.catalog.setAlias(this.ctx.dbName(this.req), this.req.alias, info.id, false);
  }
}
