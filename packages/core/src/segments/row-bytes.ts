/**
 * Estimated in-memory bytes of one row of a schema: vectors at their element width, scalars at
 * 8 bytes, variable-width values at a flat 48, plus 16 for the row and delete timestamps. Used
 * to size compaction output and to spread sealed data over readers; vectors dominate real
 * schemas, so the estimate is close where it matters.
 */
import { DataType } from '../schema/data-type.ts';
import type { CollectionSchema, FieldSchema } from '../schema/types.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import type { IndexInfo } from '../catalog/types.ts';

export function estimatedRowBytes(schema: CollectionSchema): number {
  let n = 16;
  for (const f of schema.fields) n += fieldBytes(f);
  return n;
}

/** Estimated in-memory bytes of one value of a field (see the header). */
function fieldBytes(f: FieldSchema): number {
  const dim = Number(f.dim ?? 0);
  switch (f.data_type) {
    case DataType.FloatVector:
      return dim * 4;
    case DataType.Float16Vector:
    case DataType.BFloat16Vector:
      return dim * 2;
    case DataType.BinaryVector:
      return dim / 8;
    case DataType.Int8Vector:
      return dim;
    case DataType.VarChar:
    case DataType.JSON:
    case DataType.SparseFloatVector:
    case DataType.Array:
      return 48;
    default:
      return 8;
  }
}

/** The bytes a reader keeps of an index that opens by range, or undefined when it is held whole (index-registry.ts `rangeIndexResidentBytes`). */
export type RangeIndexBytes = (indexType: string, count: number, dim: number, params: Readonly<Record<string, unknown>>) => number | undefined;

/**
 * Estimated bytes a reader keeps in memory for a sealed segment: its rows at
 * `estimatedRowBytes`, except that a vector field whose index reads by range (IVF_PQ, whose
 * full-precision rows stay in the object store and whose reader drops the vector column) costs
 * its index's hot parts (`rangeBytes`, from the index's params in `indexes`) instead of the
 * column. Spreading sealed data over readers by this estimate lets a reader hold as many
 * disk-resident rows as their hot parts allow.
 */
export function residentSegmentBytes(schema: CollectionSchema, indexes: readonly IndexInfo[], rec: SegmentRecord, rangeBytes: RangeIndexBytes): number {
  let n = rec.rows * estimatedRowBytes(schema);
  for (const idx of rec.indexes) {
    const field = schema.fields.find((f) => f.name === idx.field);
    const params = indexes.find((i) => i.indexId === idx.indexId)?.params;
    if (field === undefined || params === undefined) continue;
    const hot = rangeBytes(idx.indexType, rec.rows, Number(field.dim ?? 0), params);
    if (hot !== undefined) n += hot - rec.rows * fieldBytes(field);
  }
  return n;
}
