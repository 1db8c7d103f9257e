/**
 * Shared pieces of the vector indexes: metric codes, Milvus-style parameter parsing with coded
 * errors, element-type conversion to float32, TopK buffers, range-search bounds, and the
 * build-time cancellation/progress helpers (knowhere's config checks and BitsetView plumbing).
 *
 * Internal distances are "smaller is closer" for every metric: L2 = squared L2,
 * IP/COSINE = -similarity, HAMMING/JACCARD as is. `toMilvus` flips IP/COSINE back on the way out.
 */
import { VesperError } from '../errors/index.ts';
import { DataType, dataTypeName } from '../schema/data-type.ts';
import type { MetricType } from '../schema/types.ts';
import type { VectorColumn } from '../schema/columns.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import { fromFloat16Bits } from '../util/float16.ts';
import type { IndexBuildOptions, IndexSearchParams, QueryVectors, TopK, VectorIndex, VectorIndexFactory } from './vector-index.ts';
import { isSimilarityMetric } from './vector-index.ts';
import { showValue } from '../util/show-value.ts';

export const FLOAT_METRICS: readonly MetricType[] = ['L2', 'IP', 'COSINE'];
export const BINARY_METRICS: readonly MetricType[] = ['HAMMING', 'JACCARD'];

/** Kernel metric code for float scans: 0 = L2, 1 = IP (COSINE rows are normalized). */
export function floatMetricCode(metric: MetricType): number {
  return metric === 'L2' ? 0 : 1;
}

export function toMilvus(metric: MetricType, internal: number): number {
  return isSimilarityMetric(metric) ? -internal : internal;
}

export function checkMetric(indexType: string, metric: MetricType, allowed: readonly MetricType[]): void {
  if (!allowed.includes(metric)) {
    throw new VesperError(
      'PARAMETER_INVALID',
      `metric type ${String(metric)} not found or not supported for index ${indexType}, supported: [${allowed.join(' ')}]`,
      { indexType, metric },
    );
  }
}

/** Reads an integer param (number or numeric string, as the SDKs send) within [min, max]. */
export function intParam(
  params: Readonly<Record<string, unknown>> | undefined,
  name: string,
  def: number,
  min: number,
  max: number,
): number {
  const raw = params?.[name];
  if (raw === undefined || raw === null || raw === '') return def;
  const v = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new VesperError('PARAMETER_INVALID', `param '${name}' (${showValue(raw)}) should be an integer`, { param: name });
  }
  if (v < min || v > max) {
    throw new VesperError('PARAMETER_INVALID', `param '${name}' (${v}) should be in range [${min}, ${max}]`, { param: name, value: v });
  }
  return v;
}

/** Row-major float32 copy of a dense vector column (Float16/BFloat16/Int8 converted). */
export function columnToFloat(col: VectorColumn, what: string): Float32Array {
  if (col.type === DataType.SparseFloatVector || col.type === DataType.BinaryVector) {
    throw new VesperError('PARAMETER_INVALID', `${what} does not support ${dataTypeName(col.type)} fields`);
  }
  return toFloat(col.data, col.type, col.length * col.dim);
}

/** Converts `n` elements of a field's element type to float32 (FloatVector: a view, no copy). */
export function toFloat(data: QueryVectors | Float32Array, type: DataType, n: number): Float32Array {
  if (data instanceof Float32Array) return data.length === n ? data : data.subarray(0, n);
  const out = new Float32Array(n);
  if (data instanceof Int8Array || type === DataType.Int8Vector) {
    for (let i = 0; i < n; i++) out[i] = (data as Int8Array)[i]!;
  } else if (type === DataType.BFloat16Vector) {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u[i] = data[i]! << 16;
  } else if (type === DataType.Float16Vector) {
    for (let i = 0; i < n; i++) out[i] = fromFloat16Bits(data[i]!);
  } else {
    throw new VesperError('PARAMETER_INVALID', `cannot read ${dataTypeName(type)} queries as float vectors`);
  }
  return out;
}

/** Largest k an index search accepts (Milvus/Knowhere's topk bound). */
export const MAX_INDEX_TOPK = 16384;

/** Checks the query buffer holds nq rows of `width` elements. */
export function checkQueries(queries: QueryVectors, nq: number, width: number, k: number): void {
  if (!Number.isInteger(nq) || nq < 0 || queries.length < nq * width) {
    throw new VesperError('PARAMETER_INVALID', `queries hold ${queries.length} values, need nq (${nq}) x ${width}`);
  }
  if (!Number.isInteger(k) || k < 1 || k > MAX_INDEX_TOPK) {
    throw new VesperError('PARAMETER_INVALID', `topk (${k}) should be in range [1, ${MAX_INDEX_TOPK}]`, { k });
  }
}

export function emptyTopK(nq: number, k: number): TopK & { rows: Int32Array; distances: Float32Array } {
  return { nq, k, rows: new Int32Array(nq * k).fill(-1), distances: new Float32Array(nq * k).fill(NaN) };
}

/** Internal-distance window [lo, hi) of a range search, or undefined for plain top-k. */
export interface RangeBounds {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Milvus range semantics: L2/HAMMING/JACCARD keep range_filter <= d < radius; IP/COSINE keep
 * radius < d <= range_filter. Mapped to internal distances as lo <= x < hi.
 */
export function rangeBounds(metric: MetricType, opts: IndexSearchParams | undefined): RangeBounds | undefined {
  const radius = opts?.radius;
  const rf = opts?.rangeFilter;
  if (radius === undefined) {
    if (rf !== undefined) throw new VesperError('PARAMETER_INVALID', 'range_filter requires radius');
    return undefined;
  }
  if (!Number.isFinite(radius) || (rf !== undefined && !Number.isFinite(rf))) {
    throw new VesperError('PARAMETER_INVALID', `radius (${radius}) and range_filter (${rf}) must be finite numbers`);
  }
  if (isSimilarityMetric(metric)) {
    if (rf !== undefined && rf <= radius) {
      throw new VesperError('PARAMETER_INVALID', `range_filter (${rf}) must be greater than radius (${radius}) for ${metric}`);
    }
    return { lo: rf === undefined ? -Infinity : -rf, hi: -radius };
  }
  if (rf !== undefined && rf >= radius) {
    throw new VesperError('PARAMETER_INVALID', `range_filter (${rf}) must be less than radius (${radius}) for ${metric}`);
  }
  return { lo: rf ?? -Infinity, hi: radius };
}

/** Throws CANCELLED when the build's signal has fired. */
export function checkAbort(opts: IndexBuildOptions | undefined, what: string): void {
  if (opts?.signal?.aborted === true) {
    throw new VesperError('CANCELLED', `${what} build cancelled`, undefined, { cause: opts.signal.reason });
  }
}

/**
 * Lets the event loop run (so an abort can be delivered) between build chunks, then waits
 * for the caller's `pause` when it has one.
 */
export async function yieldToEventLoop(opts?: IndexBuildOptions): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await opts?.pause?.();
}

export function checkDim(dim: number, what: string): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > 32768) {
    throw new VesperError('PARAMETER_INVALID', `${what}: dim (${dim}) should be in range [1, 32768]`);
  }
}

/** A growable block of WASM memory owned by one index (heaps, result buffers). */
export class WasmBuffer {
  ptr = 0;
  bytes = 0;
  constructor(private readonly rt: WasmArena) {}
  ensure(bytes: number): number {
    if (bytes > this.bytes) {
      if (this.ptr !== 0) this.rt.release(this.ptr);
      this.bytes = Math.max(bytes, this.bytes * 2);
      this.ptr = this.rt.alloc(this.bytes);
    }
    return this.ptr;
  }
  free(): void {
    if (this.ptr !== 0) this.rt.release(this.ptr);
    this.ptr = 0;
    this.bytes = 0;
  }
}

/**
 * Writes query qi (of a field with `elementType`) to WASM at qPtr as float32, normalized when
 * the metric is COSINE.
 */
export function writeFloatQuery(
  rt: WasmArena,
  queries: QueryVectors,
  qi: number,
  dim: number,
  elementType: DataType,
  normalize: boolean,
  qPtr: number,
): void {
  const src = queries.subarray(qi * dim, (qi + 1) * dim) as QueryVectors;
  const type = queries instanceof Float32Array ? DataType.FloatVector : elementType;
  rt.f32().set(toFloat(src, type, dim), qPtr >>> 2);
  if (normalize) rt.k.normalize(qPtr, dim);
}

/**
 * Drains a max-heap of `size` entries at heapPtr into out (ascending). Returns size. `lex`: the
 * heap is lexicographic by (distance, row) (the binary scans') and drains in that order.
 */
export function drainHeap(
  rt: WasmArena, heapPtr: number, size: number, rowsPtr: number, distsPtr: number, ids?: Int32Array, lex = false,
): number {
  if (lex) rt.k.maxDrainSortedLex(heapPtr, size);
  else rt.k.maxDrainSorted(heapPtr, size);
  const f32 = rt.f32();
  const i32 = rt.i32();
  const h = heapPtr >>> 2;
  const r = rowsPtr >>> 2;
  const d = distsPtr >>> 2;
  for (let i = 0; i < size; i++) {
    const slot = i32[h + 2 * i + 1]!;
    i32[r + i] = ids === undefined ? slot : ids[slot]!;
    f32[d + i] = f32[h + 2 * i]!;
  }
  return size;
}

/** Writes packed binary query qi (nbytes bytes) at qPtr. @throws PARAMETER_INVALID for non-byte queries. */
export function writeBinaryQuery(rt: WasmArena, queries: QueryVectors, qi: number, nbytes: number, qPtr: number, indexType: string): void {
  if (!(queries instanceof Uint8Array)) throw new VesperError('PARAMETER_INVALID', `${indexType} queries must be packed bits (Uint8Array)`);
  rt.u8().set(queries.subarray(qi * nbytes, (qi + 1) * nbytes), qPtr);
}

/** Kernel metric code for binary scans: 0 = HAMMING, 1 = JACCARD. */
export function binaryMetricCode(metric: MetricType): number {
  return metric === 'HAMMING' ? 0 : 1;
}

/** @throws PARAMETER_INVALID unless dim is a positive multiple of 8 (packed bits). */
export function checkBinaryDim(dim: number): void {
  if (!Number.isInteger(dim) || dim <= 0 || dim % 8 !== 0) {
    throw new VesperError('PARAMETER_INVALID', `binary vector dim (${dim}) should be a positive multiple of 8`);
  }
}

/**
 * A factory for float-vector indexes whose build takes the rows as one Float32Array (HNSW,
 * HNSW_SQ): metric and params are checked before any work, then the column is converted.
 */
export function floatIndexFactory<P>(
  indexType: string,
  parseParams: (params: Readonly<Record<string, unknown>>) => P,
  build: (data: Float32Array, n: number, dim: number, metric: MetricType, type: DataType, params: P, opts?: IndexBuildOptions) => Promise<VectorIndex>,
  open: (bytes: Uint8Array) => VectorIndex,
): VectorIndexFactory {
  const validateParams = (params: Readonly<Record<string, unknown>>, metric: MetricType): void => {
    checkMetric(indexType, metric, FLOAT_METRICS);
    parseParams(params);
  };
  return {
    indexType,
    metrics: FLOAT_METRICS,
    validateParams,
    async build(vectors: VectorColumn, metric: MetricType, params: Readonly<Record<string, unknown>>, opts?: IndexBuildOptions): Promise<VectorIndex> {
      validateParams(params, metric);
      const data = columnToFloat(vectors, indexType);
      const dim = 'dim' in vectors ? vectors.dim : 0;
      checkDim(dim, indexType);
      checkAbort(opts, indexType);
      return build(data, vectors.length, dim, metric, vectors.type, parseParams(params), opts);
    },
    open,
  };
}
