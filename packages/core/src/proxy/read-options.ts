/**
 * Milvus's read options beyond the search itself, checked at the entry point: the ones Vesper
 * honours (`ignore_growing`, `round_decimal`, `order_by_fields` on query) are parsed into plan
 * fields, and the ones it does not implement are refused here by name (code 1100), never
 * accepted and dropped (invariant 5). The Node SDK sends them at the top level of the request
 * or inside `params` / `search_params`; REST v2 inside `searchParams`.
 */
import { VesperError } from '../errors/index.ts';
import { DataType, dataTypeName, isVectorType } from '../schema/data-type.ts';
import type { CollectionSchema } from '../schema/types.ts';
import type { OrderBy } from '../query/read-plan.ts';
import { showValue } from '../util/show-value.ts';

/** A boolean option as Milvus parses it (`true`/`false`, or their strings). */
export function boolOption(value: unknown, what: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new VesperError('PARAMETER_INVALID', `${what} must be true or false, got ${showValue(value)}`);
}

/**
 * `round_decimal`: -1 (off, the default) or the number of decimals scores are rounded to, 0..6
 * (Milvus's message and range). Undefined means off.
 */
export function roundDecimalOption(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || (n !== -1 && (n < 0 || n > 6))) {
    throw new VesperError('PARAMETER_INVALID', `round_decimal [${String(value)}] is invalid, should be -1 or an integer in range [0, 6]`);
  }
  return n === -1 ? undefined : n;
}

/**
 * Options read from the request's top level or from its params (the SDK's `search_params` /
 * `params`), in one pass over the keys the request has (probing it for every alias of every
 * option cost a sixth of a 1-row search). `options[i]` lists the aliases of option i, and the
 * answer holds its value (or undefined) at index i: the first alias given wins, for each alias
 * the top level before params. Every alias found in `params` is removed from it, so it never
 * reaches an index as a search parameter.
 */
export function takeOptions(top: Readonly<Record<string, unknown>>, params: Record<string, unknown> | undefined, ...options: readonly (readonly string[])[]): unknown[] {
  const out: unknown[] = new Array(options.length);
  const rank: number[] = new Array(options.length).fill(Infinity);
  for (const key in top) if (Object.hasOwn(top, key)) offerOption(options, out, rank, key, top[key], 0);
  if (params) {
    for (const key in params) {
      if (Object.hasOwn(params, key) && offerOption(options, out, rank, key, params[key], 1)) delete params[key];
    }
  }
  return out;
}

/** Records `value` under every option `key` is an alias of, if it outranks what is there; true when `key` is an alias. */
function offerOption(options: readonly (readonly string[])[], out: unknown[], rank: number[], key: string, value: unknown, fromParams: number): boolean {
  let alias = false;
  for (let i = 0; i < options.length; i++) {
    const at = options[i]!.indexOf(key);
    if (at < 0) continue;
    alias = true;
    const r = at * 2 + fromParams;
    if (value !== undefined && r < rank[i]!) {
      out[i] = value;
      rank[i] = r;
    }
  }
  return alias;
}

/** A rerank a plain search would have to apply: refused (search answers by distance only). */
export function refuseSearchRerank(rerank: unknown): void {
  if (rerank === undefined || rerank === null) return;
  throw new VesperError('PARAMETER_INVALID', `rerank is not supported on search (${rerankName(rerank)}): use hybrid_search with rrf or weighted`);
}

/** What a rerank object names: a strategy, or a Milvus 2.6 function (`params.reranker`). */
export function rerankName(rerank: unknown): string {
  if (rerank === null || typeof rerank !== 'object') return showValue(rerank) ?? String(rerank);
  const r = rerank as Record<string, unknown>;
  if (typeof r['strategy'] === 'string') return r['strategy'];
  const fns = Array.isArray(r['functions']) ? (r['functions'] as unknown[]) : [r];
  const names = fns.map((f) => {
    const p = f !== null && typeof f === 'object' ? ((f as Record<string, unknown>)['params'] as Record<string, unknown> | undefined) : undefined;
    return typeof p?.['reranker'] === 'string' ? `${p['reranker']} reranker function` : 'rerank function';
  });
  return names.join(', ');
}

/**
 * A hybrid search's rerank as a Milvus 2.6 function (`{type: 'Rerank', params: {reranker}}` or
 * `{functions: [...]}`): refused by name — decay and model rerankers are not implemented.
 * A `{strategy, params}` object is left to the reranker's own checks.
 */
export function refuseRerankFunction(rerank: unknown): void {
  if (rerank === null || typeof rerank !== 'object' || typeof (rerank as Record<string, unknown>)['strategy'] === 'string') return;
  throw new VesperError('PARAMETER_INVALID', `${rerankName(rerank)} is not supported: Vesper's hybrid search reranks with rrf or weighted ({strategy, params})`);
}

const SORTABLE = new Set<DataType>([DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.Float, DataType.Double, DataType.VarChar]);

/**
 * `order_by_fields` of a query (Milvus 2.6): `"f"`, `"f:asc"`, `"f:desc"`, optionally
 * `":nulls_first"` / `":nulls_last"` (default: nulls last ascending, first descending), as a
 * comma-separated string or a list of such strings or `{field, order}` objects.
 */
export function parseOrderBy(schema: CollectionSchema, value: unknown): OrderBy[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else throw new VesperError('PARAMETER_INVALID', `order_by_fields must be a list of "field[:asc|desc]", got ${showValue(value)?.slice(0, 80)}`);
  if (items.length === 0) return undefined;
  return items.map((item) => {
    let spec: string;
    if (typeof item === 'string') spec = item;
    else if (item !== null && typeof item === 'object' && typeof (item as Record<string, unknown>)['field'] === 'string') {
      const o = item as { field: string; order?: unknown };
      spec = `${o.field}:${typeof o.order === 'string' ? o.order : 'asc'}`;
    } else throw new VesperError('PARAMETER_INVALID', `invalid order_by_fields item ${showValue(item)?.slice(0, 80)}`);
    const [name = '', dir = 'asc', nulls, ...rest] = spec.trim().split(':').map((s) => s.trim());
    const field = schema.fields.find((f) => f.name === name && !f.is_dynamic);
    if (!field) throw new VesperError('PARAMETER_INVALID', `order by field ${showValue(name)} does not exist in the collection`);
    if (!SORTABLE.has(field.data_type)) {
      const what = isVectorType(field.data_type) ? 'a vector field' : `of type ${dataTypeName(field.data_type)}`;
      throw new VesperError('PARAMETER_INVALID', `order by field ${name} is ${what}, which is not sortable`);
    }
    const d = dir.toLowerCase() || 'asc';
    if (!['asc', 'desc', 'ascending', 'descending'].includes(d) || rest.length > 0) {
      throw new VesperError('PARAMETER_INVALID', `invalid order direction ${showValue(dir)} for ${name}: use asc or desc`);
    }
    const desc = d.startsWith('desc');
    let nullsFirst = desc;
    if (nulls !== undefined) {
      const n = nulls.toLowerCase();
      if (n !== 'nulls_first' && n !== 'nulls_last') throw new VesperError('PARAMETER_INVALID', `invalid null ordering ${showValue(nulls)} for ${name}: use nulls_first or nulls_last`);
      nullsFirst = n === 'nulls_first';
    }
    return { field: name, desc, nullsFirst };
  });
}
