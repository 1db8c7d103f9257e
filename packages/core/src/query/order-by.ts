/**
 * `order_by_fields` of a query (Milvus 2.6): rows ordered by the listed fields' values, each
 * ascending or descending, nulls last ascending and first descending unless the request says
 * otherwise; ties by primary key ascending, so pages are stable. Values compare as numbers,
 * bigints (Int64), strings (by code unit) or booleans (false first).
 */
import { valueAt } from '../schema/column-ops.ts';
import type { Segment } from '../segments/segment.ts';
import type { OrderBy } from './read-plan.ts';

/** The order values of a row of a segment, one per key (null when the field is null or absent). */
export function orderValues(orderBy: readonly OrderBy[], seg: Segment, row: number): unknown[] {
  return orderBy.map((o) => {
    const col = seg.column(o.field);
    return col ? valueAt(col, row) : null;
  });
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares two rows' order values under the keys (0 when every key ties). */
export function compareOrder(orderBy: readonly OrderBy[], a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < orderBy.length; i++) {
    const o = orderBy[i]!;
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === null || y === null) {
      if (x === y) continue;
      return (x === null) === o.nullsFirst ? -1 : 1;
    }
    const c = compareValues(x, y);
    if (c !== 0) return o.desc ? -c : c;
  }
  return 0;
}
