/**
 * AlterIndexProperties / DropIndexProperties (Milvus 2.5+): sets or removes an index's
 * alterable properties (see ../properties.ts; today `mmap.enabled`, a documented no-op).
 * describeIndex shows them among the index's params.
 */
import { VesperError } from '../../errors/index.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { requireString, stringProps } from '../request-utils.ts';
import { checkIndexProperties } from '../properties.ts';

export interface AlterIndexRequest {
  db_name?: string;
  collection_name: string;
  index_name: string;
  /** Properties to set (alterIndexProperties); the SDK's name is `params`. */
  params?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  /** Keys to remove (dropIndexProperties). */
  delete_keys?: string[];
}

export class AlterIndexTask extends Task<AlterIndexRequest, Status> {
  readonly name = 'AlterIndex';
  readonly queue = 'ddl' as const;

  async execute(): Promise<void> {
    const indexName = requireString(this.req.index_name, 'index_name');
    const info = this.ctx.collection(this.req);
    const index = info.indexes.find((i) => i.indexName === indexName);
    if (index === undefined) throw new VesperError('INDEX_NOT_FOUND', `index not found[collection=${info.name}][indexName=${indexName}]`);
    const set = stringProps(this.req.params ?? this.req.properties);
    const drop = this.req.delete_keys ?? [];
    if (!Array.isArray(drop) || drop.some((k) => typeof k !== 'string')) throw new VesperError('PARAMETER_INVALID', 'delete_keys must be a list of property keys');
    if (Object.keys(set).length === 0 && drop.length === 0) throw new VesperError('PARAMETER_INVALID', 'no index properties to alter: pass params (to set) or delete_keys (to drop)');
    checkIndexProperties([...Object.keys(set), ...drop], set, indexName);
    const properties: Record<string, string> = { ...index.properties, ...set };
    for (const k of drop) delete properties[k];
    const next = { ...index, properties };
    await this.ctx.catalog.updateCollection({ ...info, indexes: info.indexes.map((i) => (i === index ? next : i)) });
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
