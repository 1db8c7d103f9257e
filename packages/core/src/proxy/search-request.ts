/**
 * Parsing of a search request into a SearchSpec (Milvus's searchTask.PreExecute): the
 * vector field, query vectors (checked against the field's type and dim), limit/offset,
 * metric (must match the field's index), search params, range window and grouping.
 */
import { VesperError } from '../errors/index.ts';
import { DataType, dataTypeName, isVectorType } from '../schema/data-type.ts';
import type { FieldSchema, MetricType } from '../schema/types.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { QueryVector } from '../query/exact-search.ts';
import type { GroupBy } from '../query/read-plan.ts';
import { isSimilarityMetric } from '../index/vector-index.ts';
import type { Bm25Params } from '../query/sparse-search.ts';
import type { SparseVector } from '../schema/columns.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { INDEX_SEARCH_KEYS, fieldMetric, fieldMetrics } from './index-params.ts';
import { MAX_TOPK, optInt } from './request-utils.ts';
import { checkNq } from './request-limits.ts';
import { boolOption, refuseSearchRerank, roundDecimalOption, takeOptions } from './read-options.ts';
import { showValue } from '../util/show-value.ts';

export interface SearchRequestFields {
  anns_field?: string;
  data?: unknown;
  vector?: unknown;
  vectors?: unknown;
  limit?: number;
  topk?: number;
  offset?: number;
  metric_type?: string;
  params?: Record<string, unknown> | string;
  search_params?: Record<string, unknown>;
  group_by_field?: string;
  group_size?: number;
  strict_group_size?: boolean;
  /** Read sealed segments only (also accepted inside `params` / `search_params`). */
  ignore_growing?: boolean;
  /** Scores rounded to 0..6 decimals; -1 = unrounded (also inside `params` / `search_params`). */
  round_decimal?: number;
  /** Refused on search (1100, by name): see read-options.ts. */
  rerank?: unknown;
  order_by_fields?: unknown;
  /**
   * Set by the entry point of a full-text search (proxy/text-search.ts), never by a client:
   * BM25's k1, b and the collection's average document length; `data` then holds the
   * idf-weighted query vectors.
   */
  bm25?: Bm25Params;
}

export function chooseVectorField(info: CollectionInfo, name: string | undefined): FieldSchema {
  const fields = info.schema.fields;
  if (name) {
    const f = fields.find((x) => x.name === name);
    if (!f) throw new VesperError('FIELD_NOT_FOUND', `failed to get field schema by name: fieldName(${name}) not found`);
    if (!isVectorType(f.data_type)) throw new VesperError('PARAMETER_INVALID', `field ${name} is not a vector field`);
    return f;
  }
  let only: FieldSchema | undefined;
  let count = 0;
  for (const f of fields) {
    if (!isVectorType(f.data_type)) continue;
    only = f;
    count++;
  }
  if (count !== 1) throw new VesperError('PARAMETER_INVALID', 'multiple anns_fields exist, please specify a anns_field in search_params');
  return only!;
}

/** Query vectors in the field's search domain (floats, packed bits, or sparse). */
export function parseQueryVectors(field: FieldSchema, data: unknown): { vectors: QueryVector[]; single: boolean } {
  if (data === undefined || data === null) throw new VesperError('PARAMETER_MISSING', 'search needs data (one vector or a list of vectors)');
  // (byte vector types are left out: REST clients may write those as base64 text)
  if (isTextData(data) && !BYTE_VECTOR_TYPES.has(field.data_type)) {
    // a full-text search has turned its text into vectors before this point (proxy/text-search.ts)
    const sample = typeof data === 'string' ? data : (data as string[])[0]!;
    throw new VesperError(
      'PARAMETER_INVALID',
      `search data is text (${showValue(sample.slice(0, 60))}), but anns_field ${field.name} is a ${dataTypeName(field.data_type)} field that is not the output of a BM25 function: ` +
        'text queries search the SparseFloatVector output field of a BM25 function (metric BM25); search this field with vectors',
    );
  }
  const t = field.data_type;
  const isList = Array.isArray(data) && data.length > 0 && (Array.isArray(data[0]) || ArrayBuffer.isView(data[0]) || (typeof data[0] === 'object' && data[0] !== null));
  const sparseSingle = t === DataType.SparseFloatVector && !Array.isArray(data);
  const single = !isList || sparseSingle;
  const list = single ? [data] : (data as unknown[]);
  checkNq(list.length);
  if (list.length === 0) throw new VesperError('PARAMETER_INVALID', 'search data is empty');
  const fast = t === DataType.FloatVector ? plainFloatVectors(list, field.dim ?? 0) : undefined;
  if (fast !== undefined) return { vectors: fast, single };
  // Reuse the insert checks (dimension, NaN/Infinity) by converting the vectors as a column.
  const probe: FieldSchema = { ...field, is_primary_key: false, nullable: false, is_function_output: false };
  let col;
  try {
    col = rowsToBatch({ name: 'q', description: '', enable_dynamic_field: false, fields: [probe] }, list.map((v) => ({ [field.name]: v }))).columns.get(field.name)!;
  } catch (e) {
    if (VesperError.is(e)) throw new VesperError('PARAMETER_INVALID', e.message.replace('invalid insert data', 'invalid search vector'));
    throw e;
  }
  const vectors: QueryVector[] = [];
  for (let i = 0; i < list.length; i++) {
    if (col.type === DataType.SparseFloatVector) vectors.push(col.data[i]!);
    else if (col.type === DataType.BinaryVector) vectors.push(col.data.slice((i * col.dim) / 8, ((i + 1) * col.dim) / 8));
    else if (col.type === DataType.FloatVector) vectors.push(col.data.slice(i * col.dim, (i + 1) * col.dim));
    else if ('dim' in col) {
      // Half-precision and int8 queries are searched in float; convert through the value.
      const raw = list[i] as ArrayLike<number>;
      vectors.push(Float32Array.from({ length: col.dim }, (_, j) => Number(raw[j])));
    }
  }
  return { vectors, single };
}

/**
 * The common case without the column conversion: float vectors of the field's dimension whose
 * every value is a finite number. Anything else (undefined) takes the full checks, which name
 * the problem.
 */
function plainFloatVectors(list: readonly unknown[], dim: number): Float32Array[] | undefined {
  const out: Float32Array[] = [];
  for (const v of list) {
    if (!(Array.isArray(v) || v instanceof Float32Array) || v.length !== dim) return undefined;
    const f = new Float32Array(v as ArrayLike<number>);
    for (let i = 0; i < dim; i++) {
      const x: unknown = (v as ArrayLike<unknown>)[i];
      if (typeof x !== 'number' || !Number.isFinite(x) || !Number.isFinite(f[i]!)) return undefined;
    }
    out.push(f);
  }
  return out;
}

function numberParam(p: Record<string, unknown>, key: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new VesperError('PARAMETER_INVALID', `search param ${key} must be a number, got ${showValue(v)}`);
  return n;
}

export interface ParsedSearch {
  field: FieldSchema;
  metric: MetricType;
  vectors: QueryVector[];
  single: boolean;
  limit: number;
  offset: number;
  params: Record<string, unknown>;
  radius?: number;
  rangeFilter?: number;
  groupBy?: GroupBy;
  bm25?: Bm25Params;
  ignoreGrowing?: boolean;
  roundDecimal?: number;
}

function checkBm25(field: FieldSchema, p: unknown): Bm25Params | undefined {
  if (p === undefined) {
    if (field.is_function_output) {
      throw new VesperError('PARAMETER_INVALID', `field ${field.name} is the output of a BM25 function: search it with query texts (data: ['...'])`);
    }
    return undefined;
  }
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const q = p as Partial<Bm25Params>;
  if (!field.is_function_output || p === null || typeof p !== 'object' || !ok(q.k1) || !ok(q.b) || !ok(q.avgdl) || q.avgdl <= 0) {
    throw new VesperError('PARAMETER_INVALID', 'bm25 is not a search parameter (BM25 statistics come from the collection)');
  }
  return { k1: q.k1, b: q.b, avgdl: q.avgdl };
}

/**
 * The sparse search param `drop_ratio_search` (knowhere's: the share of the query's smallest
 * values left out of the search, in [0, 1); answered as the ratio); other keys were checked
 * by checkSearchParamKeys.
 */
function checkSparseSearchParams(params: Record<string, unknown>): number {
  const v = params['drop_ratio_search'];
  if (v === undefined) return 0;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !(n >= 0 && n < 1)) throw new VesperError('PARAMETER_INVALID', `param 'drop_ratio_search' (${showValue(v)}) should be in range [0, 1)`);
  return n;
}

/**
 * The keys every search's params may hold (read by parseSearch), besides the field's index
 * type's own (INDEX_SEARCH_KEYS): the SDK's `search_params` style puts `anns_field`, `topk`,
 * `offset` and `round_decimal` there too.
 */
const SEARCH_PARAM_KEYS: ReadonlySet<string> = new Set([
  'metric_type',
  'radius',
  'range_filter',
  'ignore_growing',
  'ignoreGrowing',
  'round_decimal',
  'roundDecimal',
  'strict_group_size',
  'strictGroupSize',
  'group_by_field',
  'group_size',
  'rerank',
  'order_by_fields',
  'orderByFields',
  'order_by',
  'anns_field',
  'topk',
  'limit',
  'offset',
]);

/** Refuses a search param neither the search nor the field's index reads (1100, naming it). */
function checkSearchParamKeys(info: CollectionInfo, field: FieldSchema, params: Readonly<Record<string, unknown>>): void {
  let own: readonly string[] | undefined;
  for (const k in params) {
    if (SEARCH_PARAM_KEYS.has(k)) continue;
    const index = info.indexes.find((i) => i.fieldName === field.name);
    const type = index?.indexType.toUpperCase() ?? (field.data_type === DataType.SparseFloatVector ? 'SPARSE_INVERTED_INDEX' : undefined);
    own ??= type === undefined ? [] : (INDEX_SEARCH_KEYS[type] ?? []);
    if (own.includes(k)) continue;
    const by = type === undefined ? `field ${field.name} has no index (searched exactly)` : `${type} on field ${field.name} reads ${own.length > 0 ? own.join(', ') : 'none of its own'}`;
    throw new VesperError('PARAMETER_INVALID', `search param ${k} is not supported: ${by}`, { param: k });
  }
}

/**
 * A sparse query without its smallest values: the floor(ratio × n) entries of least magnitude
 * (ties: the later dimension goes first) are left out; the rest keep their order.
 */
export function dropSmallest(v: SparseVector, ratio: number): SparseVector {
  const n = v.indices.length;
  const drop = Math.floor(n * ratio);
  if (drop === 0) return v;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(v.values[a]!) - Math.abs(v.values[b]!) || v.indices[b]! - v.indices[a]!);
  const gone = new Set(order.slice(0, drop));
  const keep = Array.from({ length: n }, (_, i) => i).filter((i) => !gone.has(i));
  return { indices: Uint32Array.from(keep, (i) => v.indices[i]!), values: Float32Array.from(keep, (i) => v.values[i]!) };
}

/**
 * The search params: `search_params` and `params` (an object or its JSON text) merged, a nested
 * `params` object lifted to the top. Always a new object (it goes into the plan).
 */
function searchParams(r: SearchRequestFields): Record<string, unknown> {
  // the common shapes, without the merge: none, or a flat `params` object
  if (r.search_params === undefined) {
    if (r.params === undefined) return {};
    if (typeof r.params === 'object' && r.params !== null && !Object.hasOwn(r.params, 'params')) return { ...r.params };
  }
  const rawParams = typeof r.params === 'string' ? parseParamsText(r.params) : { ...(r.search_params ?? {}), ...(r.params ?? {}) };
  // the SDK's older search_params carry `params` as JSON text
  const inner = rawParams['params'];
  const nested = (typeof inner === 'string' ? parseParamsText(inner) : (inner ?? {})) as Record<string, unknown>;
  const params: Record<string, unknown> = { ...rawParams, ...nested };
  delete params['params'];
  return params;
}

/** `params` given as JSON text (an object), or 1100. */
function parseParamsText(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new VesperError('PARAMETER_INVALID', `search params must be an object or its JSON text, got ${showValue(text.slice(0, 60))}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new VesperError('PARAMETER_INVALID', `search params must be an object or its JSON text, got ${showValue(text.slice(0, 60))}`);
  return v as Record<string, unknown>;
}

/** The read options of a search with their aliases, in the order parseSearch destructures them. */
const SEARCH_OPTIONS: readonly (readonly string[])[] = [
  ['ignore_growing', 'ignoreGrowing'],
  ['round_decimal', 'roundDecimal'],
  ['strict_group_size', 'strictGroupSize'],
  ['group_by_field'],
  ['group_size'],
  ['rerank'],
  ['order_by_fields', 'orderByFields', 'order_by'],
];

export function parseSearch(info: CollectionInfo, r: SearchRequestFields): ParsedSearch {
  const params = searchParams(r);
  const top = r as Readonly<Record<string, unknown>>;
  const field = chooseVectorField(info, (r.anns_field ?? params['anns_field']) as string | undefined);
  checkSearchParamKeys(info, field, params);
  const parsed = parseQueryVectors(field, r.data ?? r.vectors ?? r.vector);
  const single = parsed.single;
  let vectors = parsed.vectors;
  const limit = optInt(r.limit ?? r.topk ?? params['topk'] ?? params['limit'], 'limit (topk)', 1, MAX_TOPK) ?? 10;
  const offset = optInt(r.offset ?? params['offset'], 'offset', 0, MAX_TOPK) ?? 0;
  if (limit + offset > MAX_TOPK) throw new VesperError('PARAMETER_INVALID', `topk + offset should be in range [1, ${MAX_TOPK}], but got ${limit + offset}`);
  const [ignoreGrowingOpt, roundDecimalOpt, strictGroupOpt, groupField, groupSize, rerank, orderBy] = takeOptions(top, params, ...SEARCH_OPTIONS);
  const ignoreGrowing = boolOption(ignoreGrowingOpt, 'ignore_growing');
  const roundDecimal = roundDecimalOption(roundDecimalOpt);
  const strictGroup = boolOption(strictGroupOpt, 'strict_group_size');
  refuseSearchRerank(rerank);
  if (orderBy !== undefined) {
    throw new VesperError('PARAMETER_INVALID', 'order_by_fields is not supported on search: results are ordered by score (order a query with order_by_fields)');
  }
  const index = info.indexes.find((i) => i.fieldName === field.name);
  const requested = (r.metric_type ?? params['metric_type']) as string | undefined;
  const metric = ((requested ? requested.toUpperCase() : undefined) ?? fieldMetric(info, field)) as MetricType;
  if (!fieldMetrics(field).includes(metric)) {
    const what = field.is_function_output ? 'BM25 function output field' : `${dataTypeName(field.data_type)} field`;
    throw new VesperError('PARAMETER_INVALID', `metric type ${metric} does not apply to ${what} ${field.name}; use ${fieldMetrics(field).join(', ')}`);
  }
  if (index?.metricType && index.metricType !== metric) {
    throw new VesperError('PARAMETER_INVALID', `metric type not match: invalid parameter[expected=${index.metricType}][actual=${metric}]`);
  }
  if (field.data_type === DataType.SparseFloatVector) {
    const ratio = checkSparseSearchParams(params);
    if (ratio > 0) vectors = vectors.map((v) => dropSmallest(v as SparseVector, ratio));
  }
  const radius = numberParam(params, 'radius');
  const rangeFilter = numberParam(params, 'range_filter');
  if (rangeFilter !== undefined && radius === undefined) throw new VesperError('PARAMETER_INVALID', 'range_filter needs radius');
  if (radius !== undefined && rangeFilter !== undefined) {
    const ok = isSimilarityMetric(metric) ? rangeFilter > radius : rangeFilter < radius;
    if (!ok) {
      throw new VesperError('PARAMETER_INVALID', `range_filter must be ${isSimilarityMetric(metric) ? 'greater' : 'less'} than radius for metric ${metric}`);
    }
  }
  const bm25 = checkBm25(field, r.bm25);
  const out: ParsedSearch = { field, metric, vectors, single, limit, offset, params };
  if (bm25) out.bm25 = bm25;
  if (ignoreGrowing === true) out.ignoreGrowing = true;
  if (roundDecimal !== undefined) out.roundDecimal = roundDecimal;
  if (radius !== undefined) out.radius = radius;
  if (rangeFilter !== undefined) out.rangeFilter = rangeFilter;
  if (groupField !== undefined && groupField !== null && groupField !== '') {
    const g = info.schema.fields.find((f) => f.name === groupField && !f.is_dynamic);
    if (!g) throw new VesperError('FIELD_NOT_FOUND', `group_by_field ${String(groupField)} not found in schema`);
    const groupable = [DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.VarChar];
    if (!groupable.includes(g.data_type)) {
      throw new VesperError('PARAMETER_INVALID', `group_by_field ${g.name} of type ${dataTypeName(g.data_type)} is not supported; use Bool, Int8-Int64 or VarChar`);
    }
    if (radius !== undefined) throw new VesperError('PARAMETER_INVALID', 'range search cannot be combined with group_by_field');
    out.groupBy = { field: g, size: optInt(groupSize, 'group_size', 1, 1024) ?? 1, strict: strictGroup === true };
  }
  return out;
}

const BYTE_VECTOR_TYPES: ReadonlySet<DataType> = new Set([DataType.BinaryVector, DataType.Float16Vector, DataType.BFloat16Vector]);

/** Text where vectors belong: a string, or a non-empty list of strings. */
function isTextData(data: unknown): boolean {
  return typeof data === 'string' || (Array.isArray(data) && data.length > 0 && data.every((d) => typeof d === 'string'));
}
