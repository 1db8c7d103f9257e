/**
 * Rows as the REST API answers them, rendered once from the engine's values (Engine.read:
 * Int64 as bigint, binary vectors as bytes, sparse vectors as SparseVector). Int64 fields, the
 * elements of Int64 arrays and Int64 aggregates follow the request's Int64 preference
 * (`Accept-Type-Allow-Int64`: exact numbers, else decimal strings); every other value renders
 * as the engine's SDK answers render it (core's renderValue), so a REST row equals what the
 * SDK shape gave after REST's own conversion, byte for byte, without the round trip.
 *
 * A search hit is its output fields (the primary key among them) then `distance`, as in
 * Milvus's REST: a field or dynamic key named `score` comes back as itself, after the fields.
 */
import { renderValue } from '@vesper/core/distributed';
import { int64, type SchemaInfo } from './schema-info.ts';
import type { RawHit } from '../rpc.ts';

/** Sets own key k (`__proto__` too: a key like any other, never the prototype). */
function put(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

/** One value of key k in its REST form. */
function restValue(k: string, v: unknown, info: SchemaInfo, allow: boolean, int64Key?: (k: string) => boolean): unknown {
  if (info.int64Fields.has(k) || int64Key?.(k) === true) return int64(v, allow);
  if (info.int64ArrayFields.has(k) && Array.isArray(v)) return v.map((x: unknown) => int64(x, allow));
  return renderValue(v);
}

/**
 * A query/get row in its REST form. `int64Key` names further keys holding Int64 values (an
 * aggregation's counts and integer sums).
 */
export function restRow(row: Readonly<Record<string, unknown>>, info: SchemaInfo, allow: boolean, int64Key?: (k: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(row)) put(out, k, restValue(k, row[k], info, allow, int64Key));
  return out;
}

/**
 * A search hit in its REST form: the output fields in the engine's order, except that a
 * primary key named `id` and a `score` key come last (after the other fields), then `distance`.
 */
export function restHit(h: RawHit, info: SchemaInfo, allow: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const last = info.pk === 'id' ? 'id' : undefined;
  for (const k of Object.keys(h.row)) if (k !== 'score' && k !== last) put(out, k, restValue(k, h.row[k], info, allow));
  out[info.pk] = restValue(info.pk, h.row[info.pk], info, allow);
  if (Object.hasOwn(h.row, 'score')) out['score'] = restValue('score', h.row['score'], info, allow);
  out['distance'] = h.score;
  return out;
}
