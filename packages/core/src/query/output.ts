/**
 * Output fields (Milvus's `output_fields`): which columns a search or query returns and how
 * a row is materialized. `*` means every field; a dynamic key name (`color`) reads that key
 * of `$meta`; `$meta` (or `*`) flattens every dynamic key into the row. The primary key is
 * always returned. Values come back in the engine's form (Int64 as bigint); the client and
 * the REST layer decide how to render them.
 */
import { VesperError } from '../errors/index.ts';
import { DataType } from '../schema/data-type.ts';
import { valueAt } from '../schema/column-ops.ts';
import type { Column, ColumnSet, JsonValue } from '../schema/columns.ts';
import { DYNAMIC_FIELD, primaryField, type CollectionSchema, type FieldSchema } from '../schema/types.ts';
import { fromBFloat16Bits, fromFloat16Bits } from '../util/float16.ts';
import { showValue } from '../util/show-value.ts';

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

/**
 * A row as the plan outputs it. Cells of a column its holder left in the object store
 * (`ColumnSet.inStore`: a writer or reader that keeps an indexed vector column on disk) are
 * collected in `later`, to be read by range after the synchronous read (`StoredCells.fill`).
 * @throws INTERNAL when such a cell is asked for without `later` (a caller that did not read the column back).
 */
export function materializeRow(plan: OutputPlan, cols: ColumnSet, row: number, later?: StoredCells): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const stored = cols.inStore;
  if (stored !== undefined && stored.size > 0 && plan.fields.some((f) => stored.has(f.name))) {
    if (later === undefined) throw new VesperError('INTERNAL', `internal error: output field of a column left in the object store read without reading it back`);
    later.add(cols, row, out);
  }
  for (const f of plan.fields) out[f.name] = stored?.has(f.name) === true ? null : outputValue(f, cols, row);
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

/** How a holder reads the listed rows of columns it left in the object store. */
export interface StoredRowReader {
  /** The listed rows of each field, in the order listed (segments/sealed-segment.ts `readRows`). */
  readStoredRows(cols: ColumnSet, fields: readonly FieldSchema[], rows: Int32Array): Promise<readonly Column[]>;
}

/**
 * The output cells of columns left in the object store, gathered during a synchronous read and
 * filled after it: one read per segment for the rows the answer returns, never a whole column.
 */
export class StoredCells {
  private readonly bySet = new Map<ColumnSet, { rows: number[]; outs: Record<string, unknown>[] }>();

  constructor(private readonly plan: OutputPlan) {}

  add(cols: ColumnSet, row: number, out: Record<string, unknown>): void {
    let at = this.bySet.get(cols);
    if (at === undefined) this.bySet.set(cols, (at = { rows: [], outs: [] }));
    at.rows.push(row);
    at.outs.push(out);
  }

  get empty(): boolean {
    return this.bySet.size === 0;
  }

  /** Reads the gathered rows (segments at once) and sets their cells in the rows already materialized. */
  async fill(reader: StoredRowReader): Promise<void> {
    await Promise.all(
      [...this.bySet].map(async ([cols, { rows, outs }]) => {
        const fields = this.plan.fields.filter((f) => cols.inStore!.has(f.name));
        const read = await reader.readStoredRows(cols, fields, Int32Array.from(rows));
        const byName = new Map(fields.map((f, i) => [f.name, read[i]!]));
        const view: ColumnSet = { rowCount: rows.length, column: (name) => byName.get(name) };
        for (let i = 0; i < outs.length; i++) for (const f of fields) outs[i]![f.name] = outputValue(f, view, i);
      }),
    );
    this.bySet.clear();
  }
}
