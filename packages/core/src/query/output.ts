/**
 * Output fields (Milvus's `output_fields`): which columns a search or query returns and how
 * a row is materialized. `*` means every field; a dynamic key name (`color`) reads that key
 * of `$meta`; `$meta` (or `*`) flattens every dynamic key into the row. The primary key is
 * always returned. Values come back in the engine's form (Int64 as bigint); the client and
 * the REST layer decide how to render them.
 */
import { VesperError } from '../errors/index.ts';
import { valueAt } from '../schema/column-ops.ts';
import type { ColumnSet, JsonValue } from '../schema/columns.ts';
import { DYNAMIC_FIELD, primaryField, type CollectionSchema, type FieldSchema } from '../schema/types.ts';
import { showValue } from '../util/show-value.ts';
import { outputValue } from '../schema/output-value.ts';

export { outputValue };

export interface OutputPlan {
  readonly fields: readonly FieldSchema[];
  /** Dynamic keys to lift out of `$meta`; undefined = none; 'all' = every key. */
  readonly dynamicKeys: readonly string[] | 'all' | undefined;
}

/**
 * Resolves requested output field names against the schema.
 * @throws FIELD_NOT_FOUND (1700) for a name that is neither a field nor (with the dynamic field) a key.
 */
export function planOutput(schema: CollectionSchema, requested: readonly string[] | undefined): OutputPlan {
  const key = cacheKey(requested);
  if (key === undefined) return resolveOutput(schema, requested);
  let bySchema = plans.get(schema);
  if (bySchema === undefined) plans.set(schema, (bySchema = new Map()));
  let plan = bySchema.get(key);
  if (plan === undefined) {
    plan = resolveOutput(schema, requested);
    if (bySchema.size < MAX_CACHED_PLANS) bySchema.set(key, plan);
  }
  return plan;
}

/**
 * Output plans by schema (a schema object is immutable: an altered collection has a new one)
 * and requested names: a read asks for the same few output lists again and again. Plans are
 * shared read-only data.
 */
const plans = new WeakMap<CollectionSchema, Map<string, OutputPlan>>();
const MAX_CACHED_PLANS = 64;

/** The cache key of a list of names (undefined = not cached: not a short list of strings). */
function cacheKey(requested: unknown): string | undefined {
  if (requested === undefined || requested === null) return '';
  if (!Array.isArray(requested) || requested.length > 32) return undefined;
  let key = '';
  for (const name of requested) {
    if (typeof name !== 'string' || name.length > 256 || name.includes('\u0000')) return undefined;
    key += `${name}\u0000`;
  }
  return key;
}

function resolveOutput(schema: CollectionSchema, requested: readonly string[] | undefined): OutputPlan {
  const pk = primaryField(schema);
  const user = schema.fields.filter((f) => !f.is_dynamic);
  const dynamic = schema.enable_dynamic_field;
  const fields = new Map<string, FieldSchema>([[pk.name, pk]]);
  let keys: string[] | 'all' | undefined;
  if (requested !== undefined && requested !== null && !Array.isArray(requested)) {
    throw new VesperError('PARAMETER_INVALID', `output_fields must be a list of field names, got ${showValue(requested)?.slice(0, 80)}`);
  }
  for (const name of requested ?? []) {
    if (typeof name !== 'string') throw new VesperError('PARAMETER_INVALID', `output field names must be strings, got ${showValue(name)}`);
    const trimmed = name.trim();
    if (trimmed === '*') {
      for (const f of user) fields.set(f.name, f);
      if (dynamic) keys = 'all';
      continue;
    }
    if (trimmed === 'count(*)') continue;
    const f = user.find((x) => x.name === trimmed);
    if (f) fields.set(f.name, f);
    else if (trimmed === DYNAMIC_FIELD && dynamic) keys = 'all';
    else if (dynamic) {
      if (keys === undefined) keys = [trimmed];
      else if (keys !== 'all') keys.push(trimmed);
    } else throw new VesperError('FIELD_NOT_FOUND', `field ${trimmed} not exist in the collection schema`);
  }
  return { fields: [...fields.values()], dynamicKeys: keys };
}

export function materializeRow(plan: OutputPlan, cols: ColumnSet, row: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // a column read by row after the answer is known: null until filled (key order kept)
  for (const f of plan.fields) out[f.name] = cols.deferValue?.(f.name, row, out) === true ? null : outputValue(f, cols, row);
  if (plan.dynamicKeys !== undefined) {
    const meta = cols.column(DYNAMIC_FIELD);
    const obj = meta ? (valueAt(meta, row) as Record<string, JsonValue> | null) : null;
    if (obj && typeof obj === 'object') {
      // Own keys only, set as own data properties: dynamic keys named `constructor`,
      // `toString` or `__proto__` are keys like any other, never the prototype's.
      if (plan.dynamicKeys === 'all') {
        for (const [k, v] of Object.entries(obj)) if (!Object.hasOwn(out, k)) setOwn(out, k, v);
      } else for (const k of plan.dynamicKeys) if (Object.hasOwn(obj, k)) setOwn(out, k, obj[k]);
    }
  }
  return out;
}

/** `o[k] = v` as an own enumerable data property, even for `__proto__`. */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}
