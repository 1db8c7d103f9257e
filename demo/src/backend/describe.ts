/**
 * Schema and index descriptions → the demo's CollectionInfo. Both backends describe fields the
 * Milvus way (a data type name and `{key, value}` type params); this reads either spelling.
 */
import type { CollectionInfo, FieldSpec } from './backend.ts';

export interface RawField {
  readonly name: string;
  readonly type: string;
  readonly primary: boolean;
  readonly autoId: boolean;
  readonly typeParams: readonly { key: string; value: string }[];
}

export function toFieldSpec(f: RawField): FieldSpec {
  const param = (k: string): number | undefined => {
    const v = f.typeParams.find((p) => p.key === k)?.value;
    return v === undefined ? undefined : Number(v);
  };
  const dim = param('dim');
  const maxLength = param('max_length');
  return { name: f.name, type: f.type, primary: f.primary, autoId: f.autoId, ...(dim !== undefined ? { dim } : {}), ...(maxLength !== undefined ? { maxLength } : {}) };
}

export function collectionInfo(name: string, fields: FieldSpec[], index: CollectionInfo['index'], rows: number): CollectionInfo {
  const pk = fields.find((f) => f.primary)?.name ?? 'id';
  const vector = fields.find((f) => f.type === 'FloatVector');
  const sparse = fields.find((f) => f.type === 'SparseFloatVector');
  return { name, fields, pk, vectorField: vector?.name ?? '', textSearchField: sparse?.name, dim: vector?.dim ?? 0, index, rows };
}
