/**
 * Validation of index requests (Milvus's index params checkers): the field exists, the
 * index type fits the field type, the metric fits the vector type, and the type's own
 * params are valid. AUTOINDEX resolves to a concrete type as Milvus's does.
 */
import { VesperError } from '../errors/index.ts';
import { DataType, dataTypeName, isVectorType } from '../schema/data-type.ts';
import type { FieldSchema, MetricType } from '../schema/types.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { VectorIndexFactory } from '../index/vector-index.ts';
import { validateScalarIndex } from '../expr/index.ts';
import { showValue } from '../util/show-value.ts';

export const SCALAR_INDEX_TYPES = ['INVERTED', 'STL_SORT', 'TRIE', 'BITMAP'] as const;

export interface IndexRequest {
  readonly field_name?: unknown;
  readonly index_name?: unknown;
  readonly index_type?: unknown;
  readonly metric_type?: unknown;
  readonly params?: unknown;
}

export interface ParsedIndex {
  readonly field: FieldSchema;
  readonly indexName: string;
  readonly indexType: string;
  readonly metricType?: MetricType;
  readonly params: Record<string, unknown>;
}

const BINARY_METRICS: readonly MetricType[] = Object.freeze(['HAMMING', 'JACCARD']);
const SPARSE_METRICS: readonly MetricType[] = Object.freeze(['IP', 'BM25']);
const FLOAT_METRICS: readonly MetricType[] = Object.freeze(['L2', 'IP', 'COSINE']);
const BM25_ONLY: readonly MetricType[] = Object.freeze(['BM25']);
const IP_ONLY: readonly MetricType[] = Object.freeze(['IP']);

export function metricsFor(t: DataType): readonly MetricType[] {
  if (t === DataType.BinaryVector) return BINARY_METRICS;
  if (t === DataType.SparseFloatVector) return SPARSE_METRICS;
  return FLOAT_METRICS;
}

/** The metrics a field can be indexed and searched with: BM25 for a BM25 function's output, IP for other sparse fields. */
export function fieldMetrics(f: FieldSchema): readonly MetricType[] {
  if (f.data_type === DataType.SparseFloatVector) return f.is_function_output ? BM25_ONLY : IP_ONLY;
  return metricsFor(f.data_type);
}


export const SPARSE_INDEX_TYPES = ['SPARSE_INVERTED_INDEX', 'SPARSE_WAND', 'AUTOINDEX'] as const;
const SPARSE_ALGORITHMS = ['TAAT_NAIVE', 'DAAT_WAND', 'DAAT_MAXSCORE'];

/**
 * Milvus's sparse index params: inverted_index_algo (every algorithm gives the exact top k;
 * DAAT_MAXSCORE and DAAT_WAND walk document at a time with MaxScore pruning, TAAT_NAIVE term
 * at a time: query/sparse-search.ts), drop_ratio_build in [0, 1) (a no-op, as in knowhere
 * where it is deprecated: no value is dropped), and
 * for BM25 bm25_k1 in [0, 3] and bm25_b in [0, 1] (knowhere's ranges). Anything else is refused by name.
 */
function validateSparseIndex(field: FieldSchema, indexType: string, metric: MetricType, params: Record<string, unknown>): void {
  if (!(SPARSE_INDEX_TYPES as readonly string[]).includes(indexType)) {
    throw new VesperError('INDEX_NOT_SUPPORTED', `index type ${indexType} is not supported on sparse vector field ${field.name}; use one of ${SPARSE_INDEX_TYPES.join(', ')}`);
  }
  const num = (k: string, lo: number, hi: number): void => {
    const v = params[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
      throw new VesperError('PARAMETER_INVALID', `param '${k}' (${showValue(v)}) should be in range [${lo}, ${hi}]`, { param: k });
    }
  };
  for (const k of Object.keys(params)) {
    if (k === 'inverted_index_algo') {
      if (!SPARSE_ALGORITHMS.includes(String(params[k]))) throw new VesperError('PARAMETER_INVALID', `inverted_index_algo must be one of ${SPARSE_ALGORITHMS.join(', ')}, got ${showValue(params[k])}`);
    } else if (k === 'drop_ratio_build') {
      // deprecated in Milvus's knowhere, where it changes nothing: accepted in its range, kept in
      // the index params (describe shows it), and documented as a no-op
      const v = params[k];
      if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new VesperError('PARAMETER_INVALID', `param 'drop_ratio_build' (${showValue(v)}) should be in range [0, 1)`, { param: k });
    } else if (metric === 'BM25' && k === 'bm25_k1') num(k, 0, 3);
    else if (metric === 'BM25' && k === 'bm25_b') num(k, 0, 1);
    else throw new VesperError('PARAMETER_INVALID', `index param ${k} is not supported for ${indexType} with metric ${metric}`, { param: k });
  }
}

/**
 * The metric a search of `field` ranks by when the request names none: its index's, else the
 * one it was last indexed with (kept across dropIndex), else the type's default.
 */
export function fieldMetric(info: CollectionInfo, field: FieldSchema): MetricType {
  const index = info.indexes.find((i) => i.fieldName === field.name);
  if (index?.metricType) return index.metricType;
  const kept = info.vectorMetrics;
  if (kept && Object.hasOwn(kept, field.name)) return kept[field.name]!;
  return field.is_function_output ? 'BM25' : defaultMetric(field.data_type);
}

/** `info.vectorMetrics` with the metrics of `indexes` recorded (vector indexes only). */
export function withIndexMetrics(info: Pick<CollectionInfo, 'vectorMetrics'>, indexes: readonly { fieldName: string; metricType?: MetricType }[]): Record<string, MetricType> {
  const out: Record<string, MetricType> = Object.create(null) as Record<string, MetricType>;
  if (info.vectorMetrics) for (const [k, v] of Object.entries(info.vectorMetrics)) out[k] = v;
  for (const i of indexes) if (i.metricType) out[i.fieldName] = i.metricType;
  return { ...out };
}

export function defaultMetric(t: DataType): MetricType {
  return t === DataType.BinaryVector ? 'HAMMING' : t === DataType.SparseFloatVector ? 'IP' : 'COSINE';
}

function parseParams(p: unknown): Record<string, unknown> {
  if (p === undefined || p === null) return {};
  if (typeof p === 'string') {
    try {
      return JSON.parse(p) as Record<string, unknown>;
    } catch {
      throw new VesperError('PARAMETER_INVALID', `index params must be an object or JSON text, got ${p}`);
    }
  }
  if (typeof p !== 'object' || Array.isArray(p)) throw new VesperError('PARAMETER_INVALID', 'index params must be an object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) out[k] = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  return out;
}

/** The build params each index type reads (Milvus names); any other key is refused by name. */
const INDEX_BUILD_KEYS: Readonly<Record<string, readonly string[]>> = {
  FLAT: [],
  BIN_FLAT: [],
  HNSW: ['M', 'efConstruction', 'seed'],
  HNSW_SQ: ['M', 'efConstruction', 'seed', 'sq_type', 'refine', 'refine_type'],
  IVF_FLAT: ['nlist', 'seed'],
  IVF_SQ8: ['nlist', 'seed'],
  BIN_IVF_FLAT: ['nlist', 'seed'],
  IVF_PQ: ['nlist', 'm', 'nbits', 'seed'],
  // AUTOINDEX picks FLAT, BIN_FLAT or HNSW (index/auto-index.ts): HNSW's params shape the graph when it is chosen
  AUTOINDEX: ['M', 'efConstruction', 'seed'],
};

/** The search params each vector index type reads, besides the ones every search takes (search-request.ts). */
export const INDEX_SEARCH_KEYS: Readonly<Record<string, readonly string[]>> = {
  FLAT: [],
  BIN_FLAT: [],
  HNSW: ['ef'],
  HNSW_SQ: ['ef', 'refine_k'],
  IVF_FLAT: ['nprobe'],
  IVF_SQ8: ['nprobe'],
  BIN_IVF_FLAT: ['nprobe'],
  IVF_PQ: ['nprobe', 'refine_k'],
  AUTOINDEX: ['ef'],
  SPARSE_INVERTED_INDEX: ['drop_ratio_search'],
  SPARSE_WAND: ['drop_ratio_search'],
};

/** Refuses a build param the index type does not read (1100, naming it and what the type takes). */
function checkBuildKeys(indexType: string, params: Readonly<Record<string, unknown>>): void {
  const taken = INDEX_BUILD_KEYS[indexType] ?? [];
  for (const k of Object.keys(params)) {
    if (taken.includes(k)) continue;
    const hint = k === 'mmap.enabled' ? '; mmap.enabled is an index property: set it with alterIndexProperties' : '';
    throw new VesperError('PARAMETER_INVALID', `index param ${k} is not supported for ${indexType} (it takes ${taken.length > 0 ? taken.join(', ') : 'no params'})${hint}`, { param: k });
  }
}

export function parseIndexRequest(info: CollectionInfo, req: IndexRequest, factory?: (t: string) => VectorIndexFactory): ParsedIndex {
  const fieldName = req.field_name;
  if (typeof fieldName !== 'string' || fieldName === '') throw new VesperError('PARAMETER_MISSING', 'field_name is required to create an index');
  const field = info.schema.fields.find((f) => f.name === fieldName && !f.is_dynamic);
  if (!field) throw new VesperError('FIELD_NOT_FOUND', `cannot create index on non-exist field: ${fieldName}`);
  const params = parseParams(req.params);
  // The SDK may nest index_type/metric_type inside params (extra_params style).
  const rawType = req.index_type ?? params['index_type'] ?? 'AUTOINDEX';
  const rawMetric = req.metric_type ?? params['metric_type'];
  delete params['index_type'];
  delete params['metric_type'];
  if (typeof rawType !== 'string') throw new VesperError('PARAMETER_INVALID', `index_type must be a string`);
  let indexType = rawType.toUpperCase();
  const indexName = typeof req.index_name === 'string' && req.index_name !== '' ? req.index_name : field.name;
  if (!isVectorType(field.data_type)) {
    if (rawMetric !== undefined && rawMetric !== '') throw new VesperError('PARAMETER_INVALID', `scalar index on ${field.name} takes no metric_type`);
    if (indexType === 'AUTOINDEX') indexType = 'INVERTED';
    if (!(SCALAR_INDEX_TYPES as readonly string[]).includes(indexType)) {
      throw new VesperError('INDEX_NOT_SUPPORTED', `index type ${indexType} is not supported on scalar field ${field.name}; use one of ${SCALAR_INDEX_TYPES.join(', ')}`);
    }
    validateScalarIndex(indexType, field);
    checkBuildKeys(indexType, params);
    return { field, indexName, indexType, params };
  }
  const metric = (typeof rawMetric === 'string' && rawMetric !== '' ? rawMetric.toUpperCase() : fieldMetrics(field)[0]) as MetricType;
  if (!fieldMetrics(field).includes(metric)) {
    const what = field.is_function_output ? 'BM25 function output field' : `${dataTypeName(field.data_type)} field`;
    throw new VesperError('PARAMETER_INVALID', `${what} ${field.name} does not support metric type ${metric}; use ${fieldMetrics(field).join(', ')}`);
  }
  if (field.data_type === DataType.SparseFloatVector) {
    validateSparseIndex(field, indexType, metric, params);
  } else if (factory) {
    const f = factory(indexType);
    if (!f.metrics.includes(metric)) throw new VesperError('PARAMETER_INVALID', `index ${indexType} does not support metric ${metric}`);
    checkBuildKeys(indexType, params);
    f.validateParams(params, metric);
  } else if (indexType !== 'FLAT' && indexType !== 'AUTOINDEX') {
    throw new VesperError('INDEX_NOT_SUPPORTED', `index type ${indexType} is not available in this build`);
  } else {
    checkBuildKeys(indexType, params);
  }
  return { field, indexName, indexType, metricType: metric, params };
}
