/**
 * Request filters: checks `filter`/`expr` with its template values (`filter_params`,
 * `exprParams`) into a read plan's FilterPlan, and turns a list of primary keys (`ids`) into
 * one that looks keys up in each segment's pk index instead of scanning.
 */
import { VesperError } from '../errors/index.ts';
import { checkedFilter } from '../expr/index.ts';
import { toBigInt } from '../schema/row-batch.ts';
import { DataType } from '../schema/data-type.ts';
import { primaryField, type CollectionSchema } from '../schema/types.ts';
import { filterKeys, rowFilter, type FilterPlan, type RowFilter } from '../query/read-plan.ts';
import { showValue } from '../util/show-value.ts';

export interface FilterRequest {
  filter?: unknown;
  expr?: unknown;
  filter_params?: unknown;
  exprParams?: unknown;
}

export interface RequestFilter extends RowFilter {
  /** Set when the filter is exactly a primary-key lookup. */
  readonly primaryKeys?: readonly (bigint | string)[];
}

/** The request's filter checked against the schema, or undefined when it has none (empty string = none). */
export function filterPlan(schema: CollectionSchema, req: FilterRequest): FilterPlan | undefined {
  const raw = req.filter ?? req.expr;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new VesperError('PARAMETER_INVALID', `filter must be a string, got ${typeof raw}`);
  if (raw.trim() === '') return undefined;
  const params = req.filter_params ?? req.exprParams;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new VesperError('PARAMETER_INVALID', 'filter_params must be an object of template values');
  }
  // template values change the check: only a plain text is cached
  if (params !== undefined) return checkedFilter(raw, schema, params as Record<string, unknown>);
  let bySchema = checked.get(schema);
  if (bySchema === undefined) checked.set(schema, (bySchema = new Map()));
  let plan = bySchema.get(raw);
  if (plan === undefined) {
    plan = checkedFilter(raw, schema);
    if (bySchema.size >= MAX_CACHED_FILTERS) bySchema.delete(bySchema.keys().next().value!);
    bySchema.set(raw, plan);
  }
  return plan;
}

/**
 * Checked filters by schema (immutable: an altered collection has a new schema object) and text:
 * a read repeating a filter is not lexed, parsed and checked again, and its evaluator (built once
 * per checked filter, query/read-plan.ts) is reused. Checked filters are shared read-only data.
 */
const checked = new WeakMap<CollectionSchema, Map<string, FilterPlan>>();
const MAX_CACHED_FILTERS = 256;

/** The request's filter as an evaluator (a delete's), or undefined when it has none. */
export function requestFilter(schema: CollectionSchema, req: FilterRequest): RequestFilter | undefined {
  const plan = filterPlan(schema, req);
  if (plan === undefined) return undefined;
  const pks = filterKeys(plan);
  const f = rowFilter(plan)!;
  return pks === undefined ? f : { evaluate: (c, cand) => f.evaluate(c, cand), primaryKeys: pks };
}

/** Normalizes `ids` to primary-key values of the schema's type. */
export function parseIds(schema: CollectionSchema, ids: unknown): (bigint | string)[] {
  const list = Array.isArray(ids) ? ids : [ids];
  const pk = primaryField(schema);
  return list.map((v) => {
    if (pk.data_type === DataType.Int64) {
      const b = toBigInt(v);
      if (b === undefined) throw new VesperError('PARAMETER_INVALID', `id ${showValue(v)} is not an Int64 primary key`);
      return b;
    }
    if (typeof v !== 'string') throw new VesperError('PARAMETER_INVALID', `id ${showValue(v)} is not a VarChar primary key`);
    return v;
  });
}
