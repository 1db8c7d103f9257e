/**
 * AddCollectionField (Milvus 2.6's addCollectionFieldTask): adds one nullable scalar field to
 * an existing collection (schema/add-field.ts has the rules). The catalog entry is replaced
 * with the new schema and a bumped `schemaVersion`; the collection's open segments take the
 * field when their manager next takes the catalog entry (`SegmentManager.setInfo`): rows
 * written before read the field's default value, else null, in memory and from files.
 */
import { VesperError } from '../../errors/index.ts';
import { addFieldToSchema } from '../../schema/add-field.ts';
import type { FieldInput } from '../../schema/normalize.ts';
import type { CollectionSchema } from '../../schema/types.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { analyzerFor } from '../../text/analyzer-cache.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import type { ProxyContext } from '../proxy-context.ts';

export interface AddCollectionFieldRequest {
  db_name?: string;
  collection_name: string;
  /** The field, as in createCollection's `fields` (it must be nullable). */
  field: FieldInput;
}

export class AddCollectionFieldTask extends Task<AddCollectionFieldRequest, Status> {
  readonly name = 'AddCollectionField';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;
  private schema!: CollectionSchema;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    if (this.req.field === undefined) throw new VesperError('PARAMETER_MISSING', 'field is required: the field to add');
    this.schema = addFieldToSchema(this.info.schema, this.req.field);
    const added = this.schema.fields.find((f) => f.name === this.req.field.name);
    if (added?.enable_analyzer === true) await analyzerFor(added);
  }

  async execute(): Promise<void> {
    await commitSchema(this.ctx, this.info, this.schema);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}

/**
 * Replaces a collection's schema (addCollectionField, alterCollectionField): the catalog entry
 * with a bumped `schemaVersion`, taken by the collection's open data at once. DDL runs one at
 * a time, so `info` (read in preExecute) is still the current entry.
 */
export async function commitSchema(ctx: Pick<ProxyContext, 'catalog' | 'dataNow'>, info: CollectionInfo, schema: CollectionSchema): Promise<void> {
  const next: CollectionInfo = { ...info, schema, schemaVersion: (info.schemaVersion ?? 0) + 1 };
  await ctx.catalog.updateCollection(next);
  ctx.dataNow(next);
}
