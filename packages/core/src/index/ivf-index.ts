/**
 * IVF_FLAT and IVF_SQ8 (Milvus/knowhere IVF over faiss IndexIVFFlat / IndexIVFScalarQuantizer):
 * `nlist` centroids from seeded k-means (param `seed`), each row stored in the inverted list
 * of its nearest centroid; search probes the `nprobe` nearest lists. Lists are contiguous
 * runs of slots in one WASM block (slot order = list order), `ids` maps slot -> row.
 * IVF_FLAT keeps float32 rows; IVF_SQ8 keeps one u8 code per dimension with a per-dimension
 * min/scale codebook (x ≈ vmin + code*scale), scanned by the SQ8 kernels without decoding.
 * Probing and assignment use squared L2 to the centroids (COSINE rows are normalized first).
 */
import { VesperError } from '../errors/index.ts';
import type { MetricType } from '../schema/types.ts';
import type { DataType } from '../schema/data-type.ts';
import type { VectorColumn } from '../schema/columns.ts';
import { getKernels } from '../kernels/loader.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import type { IndexBuildOptions, QueryVectors, VectorIndex, VectorIndexFactory } from './vector-index.ts';
import { IndexBase, type HitBuffers } from './index-base.ts';
import {
  FLOAT_METRICS, WasmBuffer, checkAbort, checkDim, checkMetric, columnToFloat, drainHeap, floatMetricCode, intParam, writeFloatQuery,
} from './index-common.ts';
import { assignAll, kmeans } from './kmeans.ts';
import { FLAG_NORMALIZED, FLAG_SQ8_PER_DIM, bytesOf, expectFlags, readIndexFile, sectionLength, writeIndexFile } from './index-format.ts';

export const IVF_DEFAULTS = { nlist: 128, nprobe: 8, seed: 42 } as const;

interface IvfParts {
  readonly nlist: number;
  readonly seed: number;
  readonly offsets: Int32Array; // nlist + 1
  readonly ids: Int32Array; // slot -> row
  readonly centroids: Float32Array;
  /** IVF_FLAT: float rows in slot order; IVF_SQ8: u8 codes in slot order. */
  readonly payload: Uint8Array;
  readonly vmin?: Float32Array;
  readonly scale?: Float32Array;
}

export class IvfIndex extends IndexBase {
  readonly indexType: 'IVF_FLAT' | 'IVF_SQ8';
  readonly nlist: number;
  private readonly seed: number;
  private readonly elementType: DataType;
  private readonly offsets: Int32Array;
  private readonly ids: Int32Array;
  private readonly pos: Int32Array;
  private readonly vmin: Float32Array | undefined;
  private readonly scale: Float32Array | undefined;
  private readonly ptr: { cents: number; ids: number; payload: number; w: number; payloadBytes: number };
  private readonly heap: WasmBuffer;
  private readonly work: WasmBuffer;

  constructor(rt: WasmArena, type: 'IVF_FLAT' | 'IVF_SQ8', metric: MetricType, dim: number, count: number, elementType: DataType, parts: IvfParts) {
    super(rt, metric, dim, count);
    this.indexType = type;
    this.nlist = parts.nlist;
    this.seed = parts.seed;
    this.elementType = elementType;
    this.offsets = parts.offsets;
    this.ids = parts.ids;
    this.pos = new Int32Array(count);
    for (let s = 0; s < count; s++) this.pos[parts.ids[s]!] = s;
    this.vmin = parts.vmin;
    this.scale = parts.scale;
    const cents = rt.alloc(parts.centroids.byteLength);
    const ids = rt.alloc(count * 4);
    const payload = rt.alloc(parts.payload.byteLength);
    const w = type === 'IVF_SQ8' ? rt.alloc(dim * 4) : 0;
    this.ptr = { cents, ids, payload, w, payloadBytes: parts.payload.byteLength };
    rt.f32().set(parts.centroids, cents >>> 2);
    rt.i32().set(parts.ids, ids >>> 2);
    rt.u8().set(parts.payload, payload);
    if (w !== 0) rt.f32().set(parts.scale!.map((s) => s * s), w >>> 2);
    this.heap = new WasmBuffer(rt);
    this.work = new WasmBuffer(rt);
  }

  static async build(
    type: 'IVF_FLAT' | 'IVF_SQ8', data: Float32Array, n: number, dim: number, metric: MetricType, elementType: DataType,
    nlistParam: number, seed: number, opts?: IndexBuildOptions,
  ): Promise<IvfIndex> {
    const rt = getKernels();
    const nlist = Math.max(1, Math.min(nlistParam, n));
    let rows = data.subarray(0, n * dim);
    if (metric === 'COSINE') {
      rows = rows.slice();
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += rows[i * dim + d]! ** 2;
        const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
        for (let d = 0; d < dim; d++) rows[i * dim + d]! *= inv;
      }
    }
    const centroids = n === 0 ? new Float32Array(0) : await kmeans(rt, rows, n, dim, nlist, { seed, progress: { from: 0, to: 0.8 } }, opts, type);
    const xs = rt.alloc(rows.byteLength);
    const cp = rt.alloc(centroids.byteLength);
    let assign: Int32Array;
    try {
      rt.f32().set(rows, xs >>> 2);
      rt.f32().set(centroids, cp >>> 2);
      assign = await assignAll(rt, xs, n, cp, nlist, dim, opts, type);
    } finally {
      rt.release(xs);
      rt.release(cp);
    }
    checkAbort(opts, type);
    const { offsets, ids } = invertedLists(assign, n, nlist);
    let parts: IvfParts;
    if (type === 'IVF_FLAT') {
      const vecs = new Float32Array(n * dim);
      for (let s = 0; s < n; s++) vecs.set(rows.subarray(ids[s]! * dim, ids[s]! * dim + dim), s * dim);
      parts = { nlist, seed, offsets, ids, centroids, payload: bytesOf(vecs) };
    } else {
      const vmin = new Float32Array(dim).fill(Infinity);
      const vmax = new Float32Array(dim).fill(-Infinity);
      for (let i = 0; i < n * dim; i++) {
        const d = i % dim;
        const x = rows[i]!;
        if (x < vmin[d]!) vmin[d] = x;
        if (x > vmax[d]!) vmax[d] = x;
      }
      const scale = new Float32Array(dim);
      for (let d = 0; d < dim; d++) {
        if (n === 0) vmin[d] = 0;
        scale[d] = Math.max((vmax[d]! - vmin[d]!) / 255, 1e-12);
      }
      const codes = new Uint8Array(n * dim);
      for (let s = 0; s < n; s++) {
        const r = ids[s]! * dim;
        for (let d = 0; d < dim; d++) {
          const c = Math.round((rows[r + d]! - vmin[d]!) / scale[d]!);
          codes[s * dim + d] = c < 0 ? 0 : c > 255 ? 255 : c;
        }
      }
      parts = { nlist, seed, offsets, ids, centroids, payload: codes, vmin, scale };
    }
    opts?.onProgress?.(1);
    return new IvfIndex(rt, type, metric, dim, n, elementType, parts);
  }

  static open(bytes: Uint8Array): IvfIndex {
    const f = readIndexFile(bytes);
    const h = f.header;
    if (h.indexType !== 'IVF_FLAT' && h.indexType !== 'IVF_SQ8') throw new VesperError('FORMAT_CORRUPT', `not an IVF index file: ${h.indexType}`);
    const sq8 = h.indexType === 'IVF_SQ8';
    expectFlags(f.flags, (h.metricType === 'COSINE' ? FLAG_NORMALIZED : 0) | (sq8 ? FLAG_SQ8_PER_DIM : 0), h.indexType, h.metricType);
    const nlist = h.params.nlist!;
    if (!Number.isInteger(nlist) || nlist < 1) throw new VesperError('FORMAT_CORRUPT', `IVF index file: nlist ${String(nlist)} is not a positive integer`);
    const sized = (name: string, bytes: number): Uint8Array => {
      const b = f.section(name);
      sectionLength(name, b, bytes);
      return b;
    };
    const f32 = (name: string, n: number): Float32Array => new Float32Array(sized(name, n * 4).slice().buffer);
    const i32 = (name: string, n: number): Int32Array => new Int32Array(sized(name, n * 4).slice().buffer);
    const parts: IvfParts = {
      nlist,
      seed: h.params.seed!,
      offsets: i32('offsets', nlist + 1),
      ids: i32('ids', h.count),
      centroids: f32('centroids', nlist * h.dim),
      payload: sized(sq8 ? 'codes' : 'vectors', h.count * h.dim * (sq8 ? 1 : 4)),
      ...(sq8 ? { vmin: f32('vmin', h.dim), scale: f32('scale', h.dim) } : {}),
    };
    checkLists(parts.offsets, parts.ids, h.count);
    return new IvfIndex(getKernels(), h.indexType, h.metricType as MetricType, h.dim, h.count, h.elementType as DataType, parts);
  }

  protected queryWidth(): number {
    return this.dim;
  }
  /** Float query, then (SQ8) the prepared qp/qs vector. */
  protected queryBytes(): number {
    return this.dim * 8;
  }
  protected writeQuery(queries: QueryVectors, qi: number, qPtr: number): void {
    writeFloatQuery(this.rt, queries, qi, this.dim, this.elementType, this.metricType === 'COSINE', qPtr);
  }
  protected checkSearchParams(params: Readonly<Record<string, unknown>>): void {
    intParam(params, 'nprobe', IVF_DEFAULTS.nprobe, 1, 65536);
  }

  /** SQ8: writes the per-query vector after the float query; returns [a, b, bias]. */
  private prepareSq8(qPtr: number): [number, number, number] {
    const dim = this.dim;
    const f32 = this.rt.f32();
    const q = qPtr >>> 2;
    const a = qPtr + dim * 4;
    const vmin = this.vmin!;
    const scale = this.scale!;
    let bias = 0;
    if (this.metricType === 'L2') {
      for (let d = 0; d < dim; d++) f32[(a >>> 2) + d] = (f32[q + d]! - vmin[d]!) / scale[d]!;
      return [a, this.ptr.w, 0];
    }
    for (let d = 0; d < dim; d++) {
      f32[(a >>> 2) + d] = f32[q + d]! * scale[d]!;
      bias += f32[q + d]! * vmin[d]!;
    }
    return [a, 0, bias];
  }

  protected searchCore(qPtr: number, kk: number, params: Readonly<Record<string, unknown>>, allowPtr: number, out: HitBuffers): number {
    const rt = this.rt;
    const nprobe = Math.min(intParam(params, 'nprobe', IVF_DEFAULTS.nprobe, 1, 65536), this.nlist);
    const dbuf = this.work.ensure(this.nlist * 4);
    rt.k.batchF32(0, qPtr, this.ptr.cents, this.nlist, this.dim, dbuf);
    const cd = rt.f32().subarray(dbuf >>> 2, (dbuf >>> 2) + this.nlist);
    const probes = nearestLists(cd, nprobe);
    const heap = this.heap.ensure((kk + 1) * 8);
    const metric = floatMetricCode(this.metricType);
    let size = 0;
    if (this.indexType === 'IVF_FLAT') {
      for (const l of probes) {
        const s = this.offsets[l]!;
        size = rt.k.scanTopkF32(metric, qPtr, this.ptr.payload, this.dim, s, this.offsets[l + 1]! - s, this.ptr.ids, allowPtr, heap, kk, size);
      }
    } else {
      const [a, b, bias] = this.prepareSq8(qPtr);
      for (const l of probes) {
        const s = this.offsets[l]!;
        size = rt.k.scanTopkSq8(metric, a, b, bias, this.ptr.payload, this.dim, s, this.offsets[l + 1]! - s, this.ptr.ids, allowPtr, heap, kk, size);
      }
    }
    return drainHeap(rt, heap, size, out.rowsPtr, out.distsPtr, this.ids);
  }

  protected searchRows(qPtr: number, kk: number, selPtr: number, nsel: number, out: HitBuffers): number {
    const rt = this.rt;
    const i32 = rt.i32();
    const o = selPtr >>> 2;
    for (let j = 0; j < nsel; j++) i32[o + j] = this.pos[i32[o + j]!]!; // rows -> slots
    const heap = this.heap.ensure((kk + 1) * 8);
    const metric = floatMetricCode(this.metricType);
    let size: number;
    if (this.indexType === 'IVF_FLAT') {
      size = rt.k.scanSelF32(metric, qPtr, this.ptr.payload, this.dim * 4, this.dim, selPtr, nsel, heap, kk, 0);
    } else {
      const [a, b, bias] = this.prepareSq8(qPtr);
      size = rt.k.scanSelSq8(metric, a, b, bias, this.ptr.payload, this.dim, selPtr, nsel, heap, kk, 0);
    }
    const r = drainHeap(rt, heap, size, out.rowsPtr, out.distsPtr, this.ids);
    for (let j = 0; j < nsel; j++) i32[o + j] = this.ids[i32[o + j]!]!; // restore rows for the next query
    return r;
  }

  serialize(): Uint8Array {
    const u8 = this.rt.u8();
    const header = {
      indexType: this.indexType, metricType: this.metricType, dim: this.dim, count: this.count, elementType: this.elementType,
      params: { nlist: this.nlist, seed: this.seed },
    };
    const sq8 = this.indexType === 'IVF_SQ8';
    const flags = (this.metricType === 'COSINE' ? FLAG_NORMALIZED : 0) | (sq8 ? FLAG_SQ8_PER_DIM : 0);
    const cents = u8.subarray(this.ptr.cents, this.ptr.cents + this.nlist * this.dim * 4);
    const payload = u8.subarray(this.ptr.payload, this.ptr.payload + this.ptr.payloadBytes);
    return writeIndexFile(header, flags, {
      centroids: cents,
      offsets: bytesOf(this.offsets),
      ids: bytesOf(this.ids),
      [sq8 ? 'codes' : 'vectors']: payload,
      ...(sq8 ? { vmin: bytesOf(this.vmin!), scale: bytesOf(this.scale!) } : {}),
    });
  }

  bytesUsed(): number {
    const n = this.count;
    const fixed = this.nlist * this.dim * 4 + (this.nlist + 1) * 4 + (this.ptr.w !== 0 ? this.dim * 12 : 0);
    // ids live in WASM and in JS; pos in JS
    return fixed + this.ptr.payloadBytes + n * 12 + this.heap.bytes + this.work.bytes;
  }

  protected freeMemory(): void {
    for (const p of [this.ptr.cents, this.ptr.ids, this.ptr.payload, this.ptr.w]) if (p !== 0) this.rt.release(p);
    this.heap.free();
    this.work.free();
  }
}

/** Posting lists of a list assignment: offsets (nlist + 1) and slot -> row ids, rows in order within a list. */
export function invertedLists(assign: Int32Array, n: number, nlist: number): { offsets: Int32Array; ids: Int32Array } {
  const offsets = new Int32Array(nlist + 1);
  for (let i = 0; i < n; i++) offsets[assign[i]! + 1]!++;
  for (let l = 0; l < nlist; l++) offsets[l + 1]! += offsets[l]!;
  const fill = offsets.slice(0, nlist);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[fill[assign[i]!]!++] = i;
  return { offsets, ids };
}

/** The `nprobe` lists with the smallest centroid distance (ties: the lower list number). */
export function nearestLists(d: Float32Array, nprobe: number): number[] {
  if (nprobe >= d.length) return Array.from({ length: d.length }, (_, i) => i);
  const sorted = d.slice().sort();
  const thresh = sorted[nprobe - 1]!;
  const out: number[] = [];
  for (let i = 0; i < d.length && out.length < nprobe; i++) if (d[i]! < thresh) out.push(i);
  for (let i = 0; i < d.length && out.length < nprobe; i++) if (d[i] === thresh) out.push(i);
  return out;
}

function ivfFactory(type: 'IVF_FLAT' | 'IVF_SQ8'): VectorIndexFactory {
  return {
    indexType: type,
    metrics: FLOAT_METRICS,
    validateParams(params: Readonly<Record<string, unknown>>, metric: MetricType): void {
      checkMetric(type, metric, FLOAT_METRICS);
      intParam(params, 'nlist', IVF_DEFAULTS.nlist, 1, 65536);
      intParam(params, 'seed', IVF_DEFAULTS.seed, 0, 0xffffffff);
    },
    async build(vectors: VectorColumn, metric: MetricType, params: Readonly<Record<string, unknown>>, opts?: IndexBuildOptions): Promise<VectorIndex> {
      this.validateParams(params, metric);
      const data = columnToFloat(vectors, type);
      const dim = 'dim' in vectors ? vectors.dim : 0;
      checkDim(dim, type);
      checkAbort(opts, type);
      const nlist = intParam(params, 'nlist', IVF_DEFAULTS.nlist, 1, 65536);
      const seed = intParam(params, 'seed', IVF_DEFAULTS.seed, 0, 0xffffffff);
      return IvfIndex.build(type, data, vectors.length, dim, metric, vectors.type, nlist, seed, opts);
    },
    open(bytes: Uint8Array): VectorIndex {
      const idx = IvfIndex.open(bytes);
      if (idx.indexType !== type) {
        idx.dispose();
        throw new VesperError('FORMAT_CORRUPT', `expected a ${type} index file, found ${idx.indexType}`);
      }
      return idx;
    },
  };
}

export const ivfFlatFactory = ivfFactory('IVF_FLAT');
export const ivfSq8Factory = ivfFactory('IVF_SQ8');

/** Posting lists must tile the rows: offsets rise from 0 to count, every id names a row. */
export function checkLists(offsets: Int32Array, ids: Int32Array, count: number): void {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== count) {
    throw new VesperError('FORMAT_CORRUPT', `IVF index file: posting lists span ${offsets[0]}..${offsets[offsets.length - 1]}, expected 0..${count}`);
  }
  for (let l = 1; l < offsets.length; l++) {
    if (offsets[l]! < offsets[l - 1]!) throw new VesperError('FORMAT_CORRUPT', `IVF index file: posting list ${l - 1} has a negative length`);
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= count) throw new VesperError('FORMAT_CORRUPT', `IVF index file: posting entry ${i} names row ${id} of ${count}`);
  }
}
