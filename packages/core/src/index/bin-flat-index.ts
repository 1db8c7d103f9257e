/**
 * BIN_FLAT: exact search over BinaryVector rows (Milvus BIN_FLAT) with HAMMING or JACCARD.
 * Rows are dim bits packed 8 per byte, stored row-major in one WASM block; a query is one
 * scanTopkBin call. Distances: HAMMING = differing bits, JACCARD = 1 - |a∧b|/|a∨b|. Ties
 * go to the lower row (the kernel's heap is ordered by (distance, row)), so the top k is one
 * well-defined set and BIN_IVF_FLAT probing every list returns exactly the same hits.
 */
import { VesperError } from '../errors/index.ts';
import type { MetricType } from '../schema/types.ts';
import { DataType, dataTypeName } from '../schema/data-type.ts';
import type { VectorColumn } from '../schema/columns.ts';
import { getKernels } from '../kernels/loader.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import type { IndexBuildOptions, QueryVectors, VectorIndex, VectorIndexFactory } from './vector-index.ts';
import { IndexBase, type HitBuffers } from './index-base.ts';
import {
  BINARY_METRICS, WasmBuffer, binaryMetricCode, checkAbort, checkBinaryDim, checkMetric, drainHeap, writeBinaryQuery,
} from './index-common.ts';
import { bytesOf, expectFlags, readIndexFile, sectionLength, writeIndexFile } from './index-format.ts';

export class BinFlatIndex extends IndexBase {
  readonly indexType = 'BIN_FLAT';
  private readonly nbytes: number;
  private dataPtr: number;
  private readonly heap: WasmBuffer;

  private constructor(rt: WasmArena, metric: MetricType, dim: number, count: number, dataPtr: number) {
    super(rt, metric, dim, count);
    this.nbytes = dim >>> 3;
    this.dataPtr = dataPtr;
    this.heap = new WasmBuffer(rt);
  }

  static fromBytes(data: Uint8Array, count: number, dim: number, metric: MetricType): BinFlatIndex {
    checkMetric('BIN_FLAT', metric, BINARY_METRICS);
    checkBinaryDim(dim);
    const rt = getKernels();
    const ptr = rt.alloc(count * (dim >>> 3));
    rt.u8().set(data.subarray(0, count * (dim >>> 3)), ptr);
    return new BinFlatIndex(rt, metric, dim, count, ptr);
  }

  static open(bytes: Uint8Array): BinFlatIndex {
    const f = readIndexFile(bytes, 'BIN_FLAT');
    expectFlags(f.flags, 0, 'BIN_FLAT', f.header.metricType);
    const data = f.section('vectors');
    sectionLength('vectors', data, f.header.count * (f.header.dim >>> 3));
    const rt = getKernels();
    const ptr = rt.alloc(data.byteLength);
    rt.u8().set(data, ptr);
    return new BinFlatIndex(rt, f.header.metricType as MetricType, f.header.dim, f.header.count, ptr);
  }

  protected queryWidth(): number {
    return this.nbytes;
  }
  protected queryBytes(): number {
    return this.nbytes;
  }
  protected writeQuery(queries: QueryVectors, qi: number, qPtr: number): void {
    writeBinaryQuery(this.rt, queries, qi, this.nbytes, qPtr, 'BIN_FLAT');
  }
  protected checkSearchParams(): void {}

  protected searchCore(qPtr: number, kk: number, _params: unknown, allowPtr: number, out: HitBuffers): number {
    const heap = this.heap.ensure((kk + 1) * 8);
    const size = this.rt.k.scanTopkBin(binaryMetricCode(this.metricType), qPtr, this.dataPtr, this.nbytes, 0, this.count, 0, allowPtr, heap, kk, 0);
    return drainHeap(this.rt, heap, size, out.rowsPtr, out.distsPtr, undefined, true);
  }

  protected searchRows(qPtr: number, kk: number, selPtr: number, nsel: number, out: HitBuffers): number {
    // survivors are few: scan them one by one through the same kernel (count = 1 per row)
    const heap = this.heap.ensure((kk + 1) * 8);
    const sel = this.rt.i32().slice(selPtr >>> 2, (selPtr >>> 2) + nsel);
    let size = 0;
    const code = binaryMetricCode(this.metricType);
    for (const row of sel) size = this.rt.k.scanTopkBin(code, qPtr, this.dataPtr, this.nbytes, row, 1, 0, 0, heap, kk, size);
    return drainHeap(this.rt, heap, size, out.rowsPtr, out.distsPtr, undefined, true);
  }

  serialize(): Uint8Array {
    const header = {
      indexType: 'BIN_FLAT', metricType: this.metricType, dim: this.dim, count: this.count, elementType: DataType.BinaryVector, params: {},
    };
    return writeIndexFile(header, 0, { vectors: bytesOf(this.rt.u8().subarray(this.dataPtr, this.dataPtr + this.count * this.nbytes)) });
  }

  bytesUsed(): number {
    return this.count * this.nbytes + this.heap.bytes;
  }

  protected freeMemory(): void {
    this.rt.release(this.dataPtr);
    this.dataPtr = 0;
    this.heap.free();
  }
}

export const binFlatFactory: VectorIndexFactory = {
  indexType: 'BIN_FLAT',
  metrics: BINARY_METRICS,
  validateParams(_params: Readonly<Record<string, unknown>>, metric: MetricType): void {
    checkMetric('BIN_FLAT', metric, BINARY_METRICS);
  },
  async build(vectors: VectorColumn, metric: MetricType, params: Readonly<Record<string, unknown>>, opts?: IndexBuildOptions): Promise<VectorIndex> {
    this.validateParams(params, metric);
    if (vectors.type !== DataType.BinaryVector) {
      throw new VesperError('PARAMETER_INVALID', `BIN_FLAT needs a BinaryVector field, got ${dataTypeName(vectors.type)}`);
    }
    checkAbort(opts, 'BIN_FLAT');
    const idx = BinFlatIndex.fromBytes(vectors.data, vectors.length, vectors.dim, metric);
    opts?.onProgress?.(1);
    return idx;
  },
  open(bytes: Uint8Array): VectorIndex {
    return BinFlatIndex.open(bytes);
  },
};
