/**
 * Query aggregation (Milvus 2.6 `group_by_fields` with aggregate output fields): the rows a
 * query's filter matches, grouped by the listed fields' values, one output row per group with
 * the group fields and `count(*)`, `count(f)`, `sum(f)`, `min(f)`, `max(f)`, `avg(f)`.
 *
 * Invariants: null is a group value like any other (one group for it); count(f), sum, min, max
 * and avg skip nulls (SQL's reading; sum/min/max/avg of only nulls is null); sum of integer
 * fields is an exact Int64 (bigint), of Float/Double a double; avg is a double. Groups come in
 * `order_by_fields` order (group fields only), else by their group values ascending (nulls last),
 * so pages are stable; `limit` / `offset` count groups. The rows are read like a query without
 * a limit and aggregated once, at the top of the read pipeline (read-executor.ts).
 */
import { VesperError } from '../errors/index.ts';
import { DataType, dataTypeName, isFloatType, isIntegerType } from '../schema/data-type.ts';
import type { CollectionSchema, FieldSchema } from '../schema/types.ts';
import { showValue } from '../util/show-value.ts';
import { compareOrder } from './order-by.ts';
import type { AggregateFn, AggregateOutput, AggregatePlan, OrderBy } from './read-plan.ts';

export type { AggregateFn, AggregateOutput, AggregatePlan };

const GROUPABLE = new Set<DataType>([DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.Float, DataType.Double, DataType.VarChar]);
const AGGREGATE = /^(count|sum|min|max|avg)\((.*)\)$/;

/** Whether an output field names an aggregate function (`count(*)` included). */
export function isAggregateOutput(name: string): boolean {
  return AGGREGATE.test(name.trim());
}

function fieldOf(schema: CollectionSchema, name: string, what: string): FieldSchema {
  const f = schema.fields.find((x) => x.name === name && !x.is_dynamic);
  if (f === undefined) throw new VesperError('PARAMETER_INVALID', `${what}: field ${showValue(name)} does not exist in the collection`);
  if (!GROUPABLE.has(f.data_type)) throw new VesperError('PARAMETER_INVALID', `${what}: field ${name} of type ${dataTypeName(f.data_type)} cannot be aggregated (Bool, integers, Float, Double, VarChar can)`);
  return f;
}

/** `group_by_fields` as a list of names (a list, or a comma-separated string as in query params). */
export function groupByNames(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) throw new VesperError('PARAMETER_INVALID', `group_by_fields must be a list of field names, got ${showValue(value)}`);
  return list.length === 0 ? undefined : (list as string[]);
}

/**
 * The aggregation of a query: group fields and output columns checked against the schema.
 * @throws PARAMETER_INVALID (1100) for an unknown or unsupported field, an output that is neither
 *   a group field nor an aggregate, a group field missing from the outputs, an order-by field
 *   outside the group fields
 */
export function parseAggregate(schema: CollectionSchema, groupBy: readonly string[], outputFields: readonly string[], page: { offset: number; limit?: number; orderBy?: readonly OrderBy[] }): AggregatePlan {
  const groups = groupBy.map((g) => fieldOf(schema, g, 'group_by_fields').name);
  if (new Set(groups).size !== groups.length) throw new VesperError('PARAMETER_INVALID', `group_by_fields lists a field twice: ${groups.join(', ')}`);
  const outputs: AggregateOutput[] = [];
  for (const raw of outputFields) {
    const name = raw.trim();
    const m = AGGREGATE.exec(name);
    if (m === null) {
      if (!groups.includes(name)) throw new VesperError('PARAMETER_INVALID', `output field ${showValue(name)} is neither a group_by_fields field nor an aggregate (count, sum, min, max, avg)`);
      outputs.push({ name });
      continue;
    }
    const fn = m[1] as AggregateFn;
    const arg = m[2]!.trim();
    if (arg === '*') {
      if (fn !== 'count') throw new VesperError('PARAMETER_INVALID', `${name}: only count takes *`);
      outputs.push({ name, fn });
      continue;
    }
    const f = fieldOf(schema, arg, name);
    const numeric = isIntegerType(f.data_type) || isFloatType(f.data_type);
    if ((fn === 'sum' || fn === 'avg') && !numeric) throw new VesperError('PARAMETER_INVALID', `${name}: ${fn} needs a numeric field, ${arg} is ${dataTypeName(f.data_type)}`);
    if ((fn === 'min' || fn === 'max') && f.data_type === DataType.Bool) throw new VesperError('PARAMETER_INVALID', `${name}: ${fn} needs a numeric or VarChar field, ${arg} is Bool`);
    outputs.push({ name, fn, field: f.name, ...(fn === 'sum' && isIntegerType(f.data_type) ? { integer: true } : {}) });
  }
  for (const g of groups) {
    if (!outputs.some((o) => o.fn === undefined && o.name === g)) throw new VesperError('PARAMETER_INVALID', `group_by_fields field ${g} must be one of the output fields`);
  }
  for (const o of page.orderBy ?? []) {
    if (!groups.includes(o.field)) throw new VesperError('PARAMETER_INVALID', `order by field ${o.field} of an aggregation must be one of group_by_fields (${groups.join(', ') || 'none'})`);
  }
  return { groupBy: groups, outputs, offset: page.offset, ...(page.limit !== undefined ? { limit: page.limit } : {}), ...(page.orderBy ? { orderBy: page.orderBy } : {}) };
}

/** The fields the rows must carry for the aggregation. */
export function aggregateInputs(plan: AggregatePlan): string[] {
  return [...new Set([...plan.groupBy, ...plan.outputs.flatMap((o) => (o.field !== undefined ? [o.field] : []))])];
}

const keyPart = (v: unknown): string => (v === null || v === undefined ? 'z' : `${typeof v}:${String(v)}`);

interface Acc {
  readonly values: readonly unknown[];
  rows: number;
  readonly cols: { n: number; sum: number | bigint; best: unknown }[];
}

function better(fn: AggregateFn, a: unknown, b: unknown): boolean {
  const less = (typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint') ? a < b : String(a) < String(b);
  return fn === 'min' ? less : !less && a !== b;
}

/** One row per group (ordered, paged), from every row the filter matched. */
export function aggregateRows(plan: AggregatePlan, rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const groups = new Map<string, Acc>();
  for (const row of rows) {
    const values = plan.groupBy.map((g) => row[g] ?? null);
    const key = values.map(keyPart).join('\u0000');
    let acc = groups.get(key);
    if (acc === undefined) groups.set(key, (acc = { values, rows: 0, cols: plan.outputs.map((o) => ({ n: 0, sum: o.integer ? 0n : 0, best: null })) }));
    acc.rows++;
    plan.outputs.forEach((o, i) => {
      if (o.field === undefined) return;
      const v = row[o.field];
      if (v === null || v === undefined) return;
      const c = acc.cols[i]!;
      c.n++;
      if (o.fn === 'sum' || o.fn === 'avg') c.sum = o.integer ? (c.sum as bigint) + BigInt(v as number | bigint) : (c.sum as number) + Number(v);
      else if ((o.fn === 'min' || o.fn === 'max') && (c.n === 1 || better(o.fn, v, c.best))) c.best = v;
    });
  }
  // a global aggregation (no group fields) answers one row even when nothing matched
  if (plan.groupBy.length === 0 && groups.size === 0) groups.set('', { values: [], rows: 0, cols: plan.outputs.map((o) => ({ n: 0, sum: o.integer ? 0n : 0, best: null })) });
  const order = plan.orderBy ?? plan.groupBy.map((field) => ({ field, desc: false, nullsFirst: false }));
  const at = order.map((o) => plan.groupBy.indexOf(o.field));
  const sorted = [...groups.values()].sort((a, b) => compareOrder(order, at.map((i) => a.values[i]), at.map((i) => b.values[i])) || compareOrder(plan.groupBy.map((field) => ({ field, desc: false, nullsFirst: false })), a.values, b.values));
  const page = sorted.slice(plan.offset, plan.limit === undefined ? undefined : plan.offset + plan.limit);
  return page.map((g) => {
    const out: Record<string, unknown> = {};
    plan.outputs.forEach((o, i) => {
      const c = g.cols[i]!;
      if (o.fn === undefined) out[o.name] = g.values[plan.groupBy.indexOf(o.name)];
      else if (o.fn === 'count') out[o.name] = o.field === undefined ? g.rows : c.n;
      else if (c.n === 0) out[o.name] = null;
      else if (o.fn === 'sum') out[o.name] = c.sum;
      else if (o.fn === 'avg') out[o.name] = o.integer ? Number(c.sum) / c.n : (c.sum as number) / c.n;
      else out[o.name] = c.best;
    });
    return out;
  });
}
