/** AlterCollection: sets (or, with delete_keys, removes) collection properties. */
import { Task, SUCCESS, type Status } from '../task.ts';
import { stringProps } from '../request-utils.ts';
import { checkCollectionProperties } from '../properties.ts';

export interface AlterCollectionRequest {
  db_name?: string;
  collection_name: string;
  properties?: Record<string, unknown>;
  delete_keys?: string[];
}

export class AlterCollectionTask extends Task<AlterCollectionRequest, Status> {
  readonly name = 'AlterCollection';
  readonly queue = 'ddl' as const;

  async execute(): Promise<void> {
    const cur = this.ctx.collection(this.req);
    const set = stringProps(this.req.properties);
    checkCollectionProperties(set, cur.name);
    const properties = { ...cur.properties, ...set };
    for (const k of this.req.delete_keys ?? []) delete properties[k];
    await this.ctx.catalog.updateCollection({ ...cur, properties });
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
