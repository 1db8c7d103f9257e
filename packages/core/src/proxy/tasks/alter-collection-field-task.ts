/**
 * AlterCollectionField (Milvus's alterCollectionFieldTask, REST `collections/fields/alter_properties`):
 * changes a field's `max_length` (VarChar, or an Array of VarChar) or `max_capacity` (Array).
 * The catalog entry is replaced with a bumped `schemaVersion` (as addCollectionField does), so
 * writes from then on are checked against the new bound; stored rows are not rewritten (a
 * lower bound does not cut values already written, as in Milvus). Other keys are refused by
 * name — `mmap.enabled` included: Vesper has no per-field memory mapping to switch.
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { DataType } from '../../schema/data-type.ts';
import type { CollectionSchema, FieldSchema } from '../../schema/types.ts';
import { showValue } from '../../util/show-value.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { commitSchema } from './add-collection-field-task.ts';

export interface AlterCollectionFieldRequest {
  db_name?: string;
  collection_name: string;
  field_name: string;
  /** `{ max_length?, max_capacity? }`, numbers or decimal strings. */
  field_params: Record<string, unknown>;
}

/** Milvus's bounds for the two alterable type params. */
const BOUNDS = { max_length: [1, 65_535], max_capacity: [1, 4_096] } as const;

export class AlterCollectionFieldTask extends Task<AlterCollectionFieldRequest, Status> {
  readonly name = 'AlterCollectionField';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;
  private schema!: CollectionSchema;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    const name = this.req.field_name;
    if (typeof name !== 'string' || name === '') throw new VesperError('PARAMETER_MISSING', 'field_name is required');
    const field = this.info.schema.fields.find((f) => f.name === name);
    if (!field) throw new VesperError('PARAMETER_INVALID', `field ${showValue(name)} does not exist in collection ${this.info.name}`);
    const params = this.req.field_params;
    if (params === null || typeof params !== 'object' || Array.isArray(params) || Object.keys(params).length === 0) {
      throw new VesperError('PARAMETER_INVALID', 'field_params must be an object with max_length or max_capacity');
    }
    let next: FieldSchema = field;
    for (const [key, raw] of Object.entries(params)) {
      if (key !== 'max_length' && key !== 'max_capacity') {
        throw new VesperError('PARAMETER_INVALID', `${showValue(key)} is not an alterable field property: Vesper alters max_length and max_capacity (mmap.enabled has no per-field meaning here)`);
      }
      const n = typeof raw === 'string' && /^[0-9]+$/.test(raw) ? Number(raw) : raw;
      const [lo, hi] = BOUNDS[key];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) {
        throw new VesperError('PARAMETER_INVALID', `invalid ${key} ${showValue(raw)} for field ${name}: it must be an integer in [${lo}, ${hi}]`);
      }
      const varchar = field.data_type === DataType.VarChar || (field.data_type === DataType.Array && field.element_type === DataType.VarChar);
      if (key === 'max_length' && !varchar) throw new VesperError('PARAMETER_INVALID', `field ${name} has no max_length to alter: only a VarChar field or an Array of VarChar has one`);
      if (key === 'max_capacity' && field.data_type !== DataType.Array) throw new VesperError('PARAMETER_INVALID', `field ${name} has no max_capacity to alter: only an Array field has one`);
      next = { ...next, [key]: n };
    }
    this.schema = { ...this.info.schema, fields: this.info.schema.fields.map((f) => (f.name === name ? next : f)) };
  }

  async execute(): Promise<void> {
    await commitSchema(this.ctx, this.info, this.schema);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
