/**
 * BIN_IVF_FLAT (Milvus/knowhere's binary IVF over faiss IndexBinaryIVF): `nlist` packed-bit
 * centroids from seeded binary k-means (bin-kmeans.ts, param `seed`), every BinaryVector row
 * kept whole in the inverted list of its nearest centroid by HAMMING. A search ranks the
 * centroids by HAMMING and scans the `nprobe` nearest lists with BIN_FLAT's kernel
 * (scanTopkBin, HAMMING or JACCARD): the hits are the smallest (distance, row) pairs of the
 * probed rows, so probing every list returns exactly BIN_FLAT's answer.
 *
 * Layout: lists are contiguous runs of slots (slot order = list order) in one WASM block of
 * codes; `ids` maps slot -> row and `pos` row -> slot. A segment too small for `nlist` gets
 * fewer lists (matchNlist, knowhere's rule: at least 39 rows a list), never an error; an empty
 * segment, one empty list.
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
  BINARY_METRICS, WasmBuffer, binaryMetricCode, checkAbort, checkBinaryDim, checkMetric, drainHeap, intParam, writeBinaryQuery,
} from './index-common.ts';
import { binaryKmeans } from './bin-kmeans.ts';
import { assignAll } from './kmeans.ts';
import { IVF_DEFAULTS, checkLists, invertedLists, nearestLists } from './ivf-index.ts';
import { bytesOf, expectFlags, readIndexFile, sectionLength, writeIndexFile } from './index-format.ts';

const TYPE = 'BIN_IVF_FLAT';
/** Build params BIN_IVF_FLAT reads; any other is refused rather than ignored. */
const BUILD_PARAMS = ['nlist', 'seed'] as const;

interface BinIvfParts {
  readonly nlist: number;
  readonly seed: number;
  readonly offsets: Int32Array; // nlist + 1
  readonly ids: Int32Array; // slot -> row
  readonly centroids: Uint8Array; // nlist × nbytes
  readonly codes: Uint8Array; // rows in slot order, count × nbytes
}

/**
 * `nlist` in [1, 65536] (default 128) and `seed` (default 42), numbers or numeric strings.
 * @throws PARAMETER_INVALID for an out-of-range value or a param BIN_IVF_FLAT does not take.
 */
function parseBuildParams(params: Readonly<Record<string, unknown>>): { nlist: number; seed: number } {
  for (const k of Object.keys(params)) {
    if (!(BUILD_PARAMS as readonly string[]).includes(k)) {
      throw new VesperError('PARAMETER_INVALID', `index param ${k} is not supported for ${TYPE}; it takes ${BUILD_PARAMS.join(', ')}`, { param: k });
    }
  }
  return {
    nlist: intParam(params, 'nlist', IVF_DEFAULTS.nlist, 1, 65536),
    seed: intParam(params, 'seed', IVF_DEFAULTS.seed, 0, 0xffffffff),
  };
}

/** Rows a list should have at least (knowhere's MIN_POINTS_PER_CENTROID, faiss's k-means minimum). */
export const MIN_ROWS_PER_LIST = 39;

/**
 * The lists a segment of `rows` rows gets for the requested `nlist` (knowhere's MatchNlist):
 * nlist when every list can have MIN_ROWS_PER_LIST rows, else rows / MIN_ROWS_PER_LIST (at least 1).
 */
export function matchNlist(rows: number, nlist: number): number {
  return nlist * MIN_ROWS_PER_LIST <= rows ? nlist : Math.max(1, Math.floor(rows / MIN_ROWS_PER_LIST));
}

function nprobeParam(params: Readonly<Record<string, unknown>>): number {
  return intParam(params, 'nprobe', IVF_DEFAULTS.nprobe, 1, 65536);
}

export class BinIvfIndex extends IndexBase {
  readonly indexType = TYPE;
  readonly nlist: number;
  private readonly seed: number;
  private readonly nbytes: number;
  private readonly offsets: Int32Array;
  private readonly ids: Int32Array;
  private readonly pos: Int32Array;
  private readonly ptr: { cents: number; ids: number; codes: number };
  private readonly heap: WasmBuffer;
  private readonly work: WasmBuffer;

  private constructor(rt: WasmArena, metric: MetricType, dim: number, count: number, parts: BinIvfParts) {
    super(rt, metric, dim, count);
    this.nlist = parts.nlist;
    this.seed = parts.seed;
    this.nbytes = dim >>> 3;
    this.offsets = parts.offsets;
    this.ids = parts.ids;
    this.pos = new Int32Array(count);
    for (let s = 0; s < count; s++) this.pos[parts.ids[s]!] = s;
    const cents = rt.alloc(parts.centroids.byteLength);
    const ids = rt.alloc(count * 4);
    const codes = rt.alloc(parts.codes.byteLength);
    this.ptr = { cents, ids, codes };
    rt.u8().set(parts.centroids, cents);
    rt.i32().set(parts.ids, ids >>> 2);
    rt.u8().set(parts.codes, codes);
    this.heap = new WasmBuffer(rt);
    this.work = new WasmBuffer(rt);
  }

  static async build(
    data: Uint8Array, n: number, dim: number, metric: MetricType, nlistParam: number, seed: number, opts?: IndexBuildOptions,
  ): Promise<BinIvfIndex> {
    const rt = getKernels();
    const nbytes = dim >>> 3;
    const nlist = matchNlist(n, nlistParam);
    const rows = data.subarray(0, n * nbytes);
    let assign: Int32Array = new Int32Array(0);
    let centroids: Uint8Array = new Uint8Array(nlist * nbytes);
    if (n > 0) {
      centroids = await binaryKmeans(rt, rows, n, nbytes, nlist, { seed, progress: { from: 0, to: 0.8 } }, opts, TYPE);
      const xs = rt.alloc(rows.byteLength);
      const cp = rt.alloc(centroids.byteLength);
      try {
        rt.u8().set(rows, xs);
        rt.u8().set(centroids, cp);
        assign = await assignAll(rt, xs, n, cp, nlist, nbytes, opts, TYPE, true);
      } finally {
        rt.release(xs);
        rt.release(cp);
      }
    }
    checkAbort(opts, TYPE);
    const { offsets, ids } = invertedLists(assign, n, nlist);
    const codes = new Uint8Array(n * nbytes);
    for (let s = 0; s < n; s++) codes.set(rows.subarray(ids[s]! * nbytes, ids[s]! * nbytes + nbytes), s * nbytes);
    opts?.onProgress?.(1);
    return new BinIvfIndex(rt, metric, dim, n, { nlist, seed, offsets, ids, centroids, codes });
  }

  static open(bytes: Uint8Array): BinIvfIndex {
    const f = readIndexFile(bytes, TYPE);
    const h = f.header;
    expectFlags(f.flags, 0, TYPE, h.metricType);
    if (!(BINARY_METRICS as readonly string[]).includes(h.metricType)) throw new VesperError('FORMAT_CORRUPT', `${TYPE} index file: metric ${h.metricType} is not a binary metric`);
    if (h.dim <= 0 || h.dim % 8 !== 0) throw new VesperError('FORMAT_CORRUPT', `${TYPE} index file: dim ${h.dim} is not a positive multiple of 8`);
    const nlist = h.params.nlist!;
    if (!Number.isInteger(nlist) || nlist < 1) throw new VesperError('FORMAT_CORRUPT', `${TYPE} index file: nlist ${String(nlist)} is not a positive integer`);
    const nbytes = h.dim >>> 3;
    const sized = (name: string, n: number): Uint8Array => {
      const b = f.section(name);
      sectionLength(name, b, n);
      return b;
    };
    const i32 = (name: string, n: number): Int32Array => new Int32Array(sized(name, n * 4).slice().buffer);
    const parts: BinIvfParts = {
      nlist,
      seed: h.params.seed ?? IVF_DEFAULTS.seed,
      offsets: i32('offsets', nlist + 1),
      ids: i32('ids', h.count),
      centroids: sized('centroids', nlist * nbytes),
      codes: sized('codes', h.count * nbytes),
    };
    checkLists(parts.offsets, parts.ids, h.count);
    return new BinIvfIndex(getKernels(), h.metricType as MetricType, h.dim, h.count, parts);
  }

  protected queryWidth(): number {
    return this.nbytes;
  }
  protected queryBytes(): number {
    return this.nbytes;
  }
  protected writeQuery(queries: QueryVectors, qi: number, qPtr: number): void {
    writeBinaryQuery(this.rt, queries, qi, this.nbytes, qPtr, TYPE);
  }
  protected checkSearchParams(params: Readonly<Record<string, unknown>>): void {
    nprobeParam(params);
  }

  protected searchCore(qPtr: number, kk: number, params: Readonly<Record<string, unknown>>, allowPtr: number, out: HitBuffers): number {
    const rt = this.rt;
    const nprobe = Math.min(nprobeParam(params), this.nlist);
    const dbuf = this.work.ensure(this.nlist * 4);
    rt.k.batchBin(0, qPtr, this.ptr.cents, this.nlist, this.nbytes, dbuf); // lists are ranked by HAMMING, as rows were assigned
    const probes = nearestLists(rt.f32().subarray(dbuf >>> 2, (dbuf >>> 2) + this.nlist), nprobe);
    const heap = this.heap.ensure((kk + 1) * 8);
    const metric = binaryMetricCode(this.metricType);
    let size = 0;
    for (const l of probes) {
      const s = this.offsets[l]!;
      size = rt.k.scanTopkBin(metric, qPtr, this.ptr.codes, this.nbytes, s, this.offsets[l + 1]! - s, this.ptr.ids, allowPtr, heap, kk, size);
    }
    return drainHeap(rt, heap, size, out.rowsPtr, out.distsPtr, undefined, true);
  }

  protected searchRows(qPtr: number, kk: number, selPtr: number, nsel: number, out: HitBuffers): number {
    // survivors are few: scan each one's slot (the heap records its row through ids)
    const rt = this.rt;
    const heap = this.heap.ensure((kk + 1) * 8);
    const metric = binaryMetricCode(this.metricType);
    const sel = rt.i32().slice(selPtr >>> 2, (selPtr >>> 2) + nsel);
    let size = 0;
    for (const row of sel) size = rt.k.scanTopkBin(metric, qPtr, this.ptr.codes, this.nbytes, this.pos[row]!, 1, this.ptr.ids, 0, heap, kk, size);
    return drainHeap(rt, heap, size, out.rowsPtr, out.distsPtr, undefined, true);
  }

  serialize(): Uint8Array {
    const u8 = this.rt.u8();
    const header = {
      indexType: TYPE, metricType: this.metricType, dim: this.dim, count: this.count, elementType: DataType.BinaryVector,
      params: { nlist: this.nlist, seed: this.seed },
    };
    return writeIndexFile(header, 0, {
      centroids: u8.subarray(this.ptr.cents, this.ptr.cents + this.nlist * this.nbytes),
      offsets: bytesOf(this.offsets),
      ids: bytesOf(this.ids),
      codes: u8.subarray(this.ptr.codes, this.ptr.codes + this.count * this.nbytes),
    });
  }

  bytesUsed(): number {
    // codes and centroids in WASM; ids in WASM and in JS; pos and offsets in JS
    return (this.nlist + this.count) * this.nbytes + (this.nlist + 1) * 4 + this.count * 12 + this.heap.bytes + this.work.bytes;
  }

  protected freeMemory(): void {
    for (const p of [this.ptr.cents, this.ptr.ids, this.ptr.codes]) this.rt.release(p);
    this.heap.free();
    this.work.free();
  }
}

export const binIvfFlatFactory: VectorIndexFactory = {
  indexType: TYPE,
  metrics: BINARY_METRICS,
  validateParams(params: Readonly<Record<string, unknown>>, metric: MetricType): void {
    checkMetric(TYPE, metric, BINARY_METRICS);
    parseBuildParams(params);
  },
  async build(vectors: VectorColumn, metric: MetricType, params: Readonly<Record<string, unknown>>, opts?: IndexBuildOptions): Promise<VectorIndex> {
    checkMetric(TYPE, metric, BINARY_METRICS);
    const { nlist, seed } = parseBuildParams(params);
    if (vectors.type !== DataType.BinaryVector) {
      throw new VesperError('PARAMETER_INVALID', `${TYPE} needs a BinaryVector field, got ${dataTypeName(vectors.type)}`);
    }
    checkBinaryDim(vectors.dim);
    checkAbort(opts, TYPE);
    return BinIvfIndex.build(vectors.data, vectors.length, vectors.dim, metric, nlist, seed, opts);
  },
  open(bytes: Uint8Array): VectorIndex {
    return BinIvfIndex.open(bytes);
  },
};
