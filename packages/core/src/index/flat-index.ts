/**
 * FLAT: exact search by scanning every row (knowhere's IndexFlat / Milvus FLAT), for L2, IP and
 * COSINE. Rows live row-major in one WASM block (COSINE rows normalized at insert). One query
 * is one scanTopkF32 call keeping a k-heap in WASM; several queries go through the
 * query-blocked scanTopkManyF32 (each row loaded once per four queries, rows walked in
 * cache-sized blocks), up to 64 queries per crossing. Also the engine behind
 * `exactSearch` for growing segments.
 */
import type { MetricType } from '../schema/types.ts';
import { DataType } from '../schema/data-type.ts';
import type { VectorColumn } from '../schema/columns.ts';
import { getKernels } from '../kernels/loader.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import type { IndexBuildOptions, QueryVectors, VectorIndex, VectorIndexFactory } from './vector-index.ts';
import { IndexBase, type HitBuffers } from './index-base.ts';
import {
  FLOAT_METRICS, WasmBuffer, checkAbort, checkDim, checkMetric, columnToFloat, drainHeap, floatMetricCode, writeFloatQuery,
} from './index-common.ts';
import { FLAG_NORMALIZED, bytesOf, expectFlags, readIndexFile, sectionLength, writeIndexFile } from './index-format.ts';

export class FlatIndex extends IndexBase {
  readonly indexType = 'FLAT';
  private readonly elementType: DataType;
  private dataPtr: number;
  private readonly heap: WasmBuffer;

  private constructor(rt: WasmArena, metric: MetricType, dim: number, count: number, elementType: DataType, dataPtr: number) {
    super(rt, metric, dim, count);
    this.elementType = elementType;
    this.dataPtr = dataPtr;
    this.heap = new WasmBuffer(rt);
  }

  /** Copies `count` float rows into WASM (normalizing for COSINE). */
  static fromFloat(data: Float32Array, count: number, dim: number, metric: MetricType, elementType = DataType.FloatVector): FlatIndex {
    const rt = getKernels();
    const ptr = rt.alloc(count * dim * 4);
    rt.f32().set(data.subarray(0, count * dim), ptr >>> 2);
    if (metric === 'COSINE') for (let i = 0; i < count; i++) rt.k.normalize(ptr + i * dim * 4, dim);
    return new FlatIndex(rt, metric, dim, count, elementType, ptr);
  }

  static open(bytes: Uint8Array): FlatIndex {
    const f = readIndexFile(bytes, 'FLAT');
    const h = f.header;
    expectFlags(f.flags, h.metricType === 'COSINE' ? FLAG_NORMALIZED : 0, 'FLAT', h.metricType);
    const data = f.section('vectors');
    sectionLength('vectors', data, h.count * h.dim * 4);
    const rt = getKernels();
    const ptr = rt.alloc(data.byteLength);
    rt.u8().set(data, ptr);
    return new FlatIndex(rt, h.metricType as MetricType, h.dim, h.count, h.elementType as DataType, ptr);
  }

  protected queryWidth(): number {
    return this.dim;
  }
  protected queryBytes(): number {
    return this.dim * 4;
  }
  protected writeQuery(queries: QueryVectors, qi: number, qPtr: number): void {
    writeFloatQuery(this.rt, queries, qi, this.dim, this.elementType, this.metricType === 'COSINE', qPtr);
  }
  protected checkSearchParams(): void {}

  protected searchCore(qPtr: number, kk: number, _params: unknown, allowPtr: number, out: HitBuffers): number {
    const heap = this.heap.ensure((kk + 1) * 8);
    const metric = floatMetricCode(this.metricType);
    const size = this.rt.k.scanTopkF32(metric, qPtr, this.dataPtr, this.dim, 0, this.count, 0, allowPtr, heap, kk, 0);
    return drainHeap(this.rt, heap, size, out.rowsPtr, out.distsPtr);
  }

  protected override searchBatch(
    qPtr: number, qStride: number, nq: number, kk: number, allowPtr: number, out: HitBuffers, outStride: number, countsPtr: number,
  ): void {
    const heaps = this.heap.ensure(nq * kk * 8);
    const rt = this.rt;
    rt.i32().fill(0, countsPtr >>> 2, (countsPtr >>> 2) + nq);
    const metric = floatMetricCode(this.metricType);
    rt.k.scanTopkManyF32(metric, qPtr, qStride, nq, this.dataPtr, this.dim, this.count, allowPtr, heaps, kk, countsPtr);
    for (let j = 0; j < nq; j++) {
      const size = rt.i32()[(countsPtr >>> 2) + j]!;
      drainHeap(rt, heaps + j * kk * 8, size, out.rowsPtr + j * outStride, out.distsPtr + j * outStride);
    }
  }

  protected searchRows(qPtr: number, kk: number, selPtr: number, nsel: number, out: HitBuffers): number {
    const heap = this.heap.ensure((kk + 1) * 8);
    const metric = floatMetricCode(this.metricType);
    const size = this.rt.k.scanSelF32(metric, qPtr, this.dataPtr, this.dim * 4, this.dim, selPtr, nsel, heap, kk, 0);
    return drainHeap(this.rt, heap, size, out.rowsPtr, out.distsPtr);
  }

  /** Float32 rows as stored (normalized for COSINE); a copy. */
  vectors(): Float32Array {
    return this.rt.f32().slice(this.dataPtr >>> 2, (this.dataPtr >>> 2) + this.count * this.dim);
  }

  /** Rows are held as built, except COSINE (normalized) and half-precision fields (converted). */
  copyVectors(rows: ArrayLike<number>, out: Float32Array): boolean {
    if (this.metricType === 'COSINE' || this.elementType !== DataType.FloatVector || this.disposed) return false;
    const f32 = this.rt.f32();
    const base = this.dataPtr >>> 2;
    for (let i = 0; i < rows.length; i++) {
      const at = base + rows[i]! * this.dim;
      out.set(f32.subarray(at, at + this.dim), i * this.dim);
    }
    return true;
  }

  serialize(): Uint8Array {
    const header = {
      indexType: 'FLAT', metricType: this.metricType, dim: this.dim, count: this.count, elementType: this.elementType, params: {},
    };
    const flags = this.metricType === 'COSINE' ? FLAG_NORMALIZED : 0;
    return writeIndexFile(header, flags, { vectors: bytesOf(this.rt.u8().subarray(this.dataPtr, this.dataPtr + this.count * this.dim * 4)) });
  }

  bytesUsed(): number {
    return this.count * this.dim * 4 + this.heap.bytes;
  }

  protected freeMemory(): void {
    this.rt.release(this.dataPtr);
    this.dataPtr = 0;
    this.heap.free();
  }
}

export const flatFactory: VectorIndexFactory = {
  indexType: 'FLAT',
  metrics: FLOAT_METRICS,
  validateParams(_params: Readonly<Record<string, unknown>>, metric: MetricType): void {
    checkMetric('FLAT', metric, FLOAT_METRICS);
  },
  async build(vectors: VectorColumn, metric: MetricType, params: Readonly<Record<string, unknown>>, opts?: IndexBuildOptions): Promise<VectorIndex> {
    this.validateParams(params, metric);
    const data = columnToFloat(vectors, 'FLAT');
    checkDim('dim' in vectors ? vectors.dim : 0, 'FLAT');
    checkAbort(opts, 'FLAT');
    const idx = FlatIndex.fromFloat(data, vectors.length, 'dim' in vectors ? vectors.dim : 0, metric, vectors.type);
    opts?.onProgress?.(1);
    return idx;
  },
  open(bytes: Uint8Array): VectorIndex {
    return FlatIndex.open(bytes);
  },
};
