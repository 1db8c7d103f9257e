/**
 * A cell in its output form (Milvus's output_fields values): what a search or query returns
 * for one field of one row. Half-precision vectors become numbers; a float vector its index
 * serves is read from the index for this row alone.
 */
import { DataType } from './data-type.ts';
import { valueAt } from './column-ops.ts';
import type { ColumnSet } from './columns.ts';
import type { FieldSchema } from './types.ts';
import { fromBFloat16Bits, fromFloat16Bits } from '../util/float16.ts';

/** Converts a cell to its output form (half-precision vectors become numbers). */
export function outputValue(f: FieldSchema, cols: ColumnSet, row: number): unknown {
  // a vector its index serves: read this row only (column() would copy the whole field)
  const served = f.data_type === DataType.FloatVector ? cols.vectorValue?.(f.name, row) : undefined;
  if (served !== undefined) return served;
  const col = cols.column(f.name);
  if (!col) return null;
  const v = valueAt(col, row);
  if (f.data_type === DataType.Float16Vector) return (v as number[]).map(fromFloat16Bits);
  if (f.data_type === DataType.BFloat16Vector) return (v as number[]).map(fromBFloat16Bits);
  return v;
}
