/**
 * Estimated in-memory bytes of one row of a schema: vectors at their element width, scalars at
 * 8 bytes, variable-width values at a flat 48, plus 16 for the row and delete timestamps. Used
 * to size compaction output and to spread sealed data over readers; vectors dominate real
 * schemas, so the estimate is close where it matters.
 */
import { DataType } from '../schema/data-type.ts';
import type { CollectionSchema } from '../schema/types.ts';

export function estimatedRowBytes(schema: CollectionSchema): number {
  let n = 16;
  for (const f of schema.fields) {
    const dim = Number(f.dim ?? 0);
    switch (f.data_type) {
      case DataType.FloatVector:
        n += dim * 4;
        break;
      case DataType.Float16Vector:
      case DataType.BFloat16Vector:
        n += dim * 2;
        break;
      case DataType.BinaryVector:
        n += dim / 8;
        break;
      case DataType.Int8Vector:
        n += dim;
        break;
      case DataType.VarChar:
      case DataType.JSON:
      case DataType.SparseFloatVector:
      case DataType.Array:
        n += 48;
        break;
      default:
        n += 8;
    }
  }
  return n;
}
