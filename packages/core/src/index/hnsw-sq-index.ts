/**
 * HNSW_SQ (Milvus 2.6's HNSW with scalar-quantized traversal): the graph is built exactly as
 * HNSW (same params, same seeded levels, float distances), then each level-0 record keeps SQ8
 * codes beside its adjacency list instead of the f32 vector, so a hop touches a quarter of the
 * vector bytes. Search walks the graph on SQ8 distances (integer L2 kernel `sq8l2i`, or the
 * `sq8dot` kernel for IP/COSINE) with a beam of ef, then re-ranks the best beam entries with
 * exact f32 distances from a separate block (knowhere's refine with refine_type FP32).
 *
 * Params (Milvus names): build `M`, `efConstruction`, `seed`, `sq_type` ('SQ8' only),
 * `refine` (default true), `refine_type` ('FP32' only); search `ef` and `refine_k`
 * (candidates re-ranked = ceil(refine_k × k); without refine_k, the whole beam; refine=false
 * re-ranks only the k returned, so distances are always exact). The codebook is uniform:
 * per-dimension minimum and one step for all dimensions, so L2 on codes is a plain integer sum.
 */
import { VesperError } from '../errors/index.ts';
import type { MetricType } from '../schema/types.ts';
import type { DataType } from '../schema/data-type.ts';
import { getKernels } from '../kernels/loader.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import type { IndexBuildOptions, QueryVectors, VectorIndexFactory } from './vector-index.ts';
import { IndexBase, type HitBuffers } from './index-base.ts';
import {
  WasmBuffer, checkAbort, drainHeap, floatIndexFactory, floatMetricCode, intParam,
  writeFloatQuery,
} from './index-common.ts';
import { FLAG_HNSW_SQ8, FLAG_NORMALIZED, bytesOf, expectFlags, readIndexFile, sectionLength, writeIndexFile } from './index-format.ts';
import { checkGraph } from './graph-check.ts';
import { HNSW_CTX as F, HNSW_DEFAULTS, HnswIndex, parseHnswParams, type HnswParams } from './hnsw-index.ts';
import { showValue } from '../util/show-value.ts';

export interface HnswSqParams extends HnswParams {
  readonly refine: boolean;
}

function strParam(params: Readonly<Record<string, unknown>>, name: string, def: string, allowed: readonly string[]): string {
  const raw = params[name];
  const v = raw === undefined || raw === null || raw === '' ? def : String(raw).toUpperCase();
  if (!allowed.includes(v)) {
    throw new VesperError('PARAMETER_INVALID', `param '${name}' (${showValue(raw)}) should be one of [${allowed.join(' ')}]`, { param: name });
  }
  return v;
}

function boolParam(params: Readonly<Record<string, unknown>>, name: string, def: boolean): boolean {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return def;
  if (raw === true || raw === 'true' || raw === 1 || raw === '1') return true;
  if (raw === false || raw === 'false' || raw === 0 || raw === '0') return false;
  throw new VesperError('PARAMETER_INVALID', `param '${name}' (${showValue(raw)}) should be true or false`, { param: name });
}

export function parseHnswSqParams(params: Readonly<Record<string, unknown>>): HnswSqParams {
  strParam(params, 'sq_type', 'SQ8', ['SQ8']);
  const refine = boolParam(params, 'refine', true);
  if (refine) strParam(params, 'refine_type', 'FP32', ['FP32']);
  return { ...parseHnswParams(params), refine };
}

/** Search param refine_k: a positive number (magnification of k), or undefined. */
function refineK(params: Readonly<Record<string, unknown>>): number | undefined {
  const raw = params['refine_k'];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const v = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || v > 1024) {
    throw new VesperError('PARAMETER_INVALID', `param 'refine_k' (${showValue(raw)}) should be a number in [1, 1024]`, { param: 'refine_k' });
  }
  return v;
}

interface Graph {
  levels: Uint8Array;
  upper: Uint8Array;
  entry: number;
  maxLevel: number;
}

export class HnswSqIndex extends IndexBase {
  readonly indexType = 'HNSW_SQ';
  readonly params: HnswSqParams;
  private readonly elementType: DataType;
  private readonly stride0: number;
  private readonly scale: number;
  private readonly blocks: number[];
  private readonly ctx: number;
  private readonly level0: number;
  private readonly vectors: number;
  private readonly vmin: number;
  private readonly upperBytes: number;
  private readonly res: WasmBuffer;
  private readonly heap: WasmBuffer;

  private constructor(rt: WasmArena, metric: MetricType, dim: number, count: number, elementType: DataType, p: HnswSqParams, g: Graph, scale: number) {
    super(rt, metric, dim, count);
    this.params = p;
    this.elementType = elementType;
    this.scale = scale;
    const m0 = 2 * p.M;
    this.stride0 = (1 + m0) * 4 + Math.ceil(dim / 4) * 4;
    const upOff = new Uint32Array(count);
    let up = 0;
    for (let i = 0; i < count; i++) {
      upOff[i] = up;
      up += g.levels[i]! * (p.M + 1) * 4;
    }
    this.upperBytes = up;
    const alloc = (n: number): number => rt.alloc(n);
    this.ctx = alloc(128);
    this.level0 = alloc(count * this.stride0);
    const levels = alloc(count);
    const upOffP = alloc(count * 4);
    const upper = alloc(up);
    const visited = alloc(count * 2);
    const cand = alloc((count + 2) * 8);
    this.vectors = alloc(count * dim * 4);
    this.vmin = alloc(dim * 4);
    const qbuf = alloc(dim * 2);
    this.blocks = [this.ctx, this.level0, levels, upOffP, upper, visited, cand, this.vectors, this.vmin, qbuf];
    rt.u8().set(g.levels, levels);
    rt.u8().set(g.upper, upper);
    rt.u32().set(upOff, upOffP >>> 2);
    this.res = new WasmBuffer(rt);
    this.heap = new WasmBuffer(rt);
    const c = rt.i32();
    const o = this.ctx >>> 2;
    c[o + F.DIM] = dim;
    c[o + F.METRIC] = floatMetricCode(metric);
    c[o + F.M] = p.M;
    c[o + F.M0] = m0;
    c[o + F.EFC] = p.efConstruction;
    c[o + F.N] = count;
    c[o + F.ENTRY] = g.entry;
    c[o + F.MAXLEVEL] = g.maxLevel;
    c[o + F.STRIDE0] = this.stride0;
    c[o + F.L0] = this.level0;
    c[o + F.LEVELS] = levels;
    c[o + F.UPOFF] = upOffP;
    c[o + F.UPPER] = upper;
    c[o + F.VISITED] = visited;
    c[o + F.CAND] = cand;
    c[o + F.CAP] = count;
    c[o + F.KIND] = floatMetricCode(metric) === 0 ? 1 : 2;
    c[o + F.FVEC] = this.vectors;
    c[o + F.VMIN] = this.vmin;
    c[o + F.QBUF] = qbuf;
    rt.f32()[o + F.INVSCALE] = 1 / scale;
  }

  /** Builds the float HNSW graph, then moves it to the SQ8 layout (codes beside links). */
  static async build(data: Float32Array, count: number, dim: number, metric: MetricType, elementType: DataType, p: HnswSqParams, opts?: IndexBuildOptions): Promise<HnswSqIndex> {
    const float = await HnswIndex.build(data, count, dim, metric, elementType, p, opts);
    let f;
    try {
      f = readIndexFile(float.serialize(), 'HNSW');
    } finally {
      float.dispose();
    }
    checkAbort(opts, 'HNSW_SQ');
    const m0 = 2 * p.M;
    const linkBytes = (1 + m0) * 4;
    const src = f.section('level0');
    const strideF = linkBytes + dim * 4;
    const vecs = new Float32Array(count * dim); // normalized already for COSINE
    for (let i = 0; i < count; i++) vecs.set(new Float32Array(src.buffer, src.byteOffset + i * strideF + linkBytes, dim).slice(), i * dim);
    const vmin = new Float32Array(dim).fill(Infinity);
    const vmax = new Float32Array(dim).fill(-Infinity);
    for (let i = 0; i < count * dim; i += dim) {
      for (let d = 0; d < dim; d++) {
        const x = vecs[i + d]!;
        if (x < vmin[d]!) vmin[d] = x;
        if (x > vmax[d]!) vmax[d] = x;
      }
    }
    let range = 0;
    for (let d = 0; d < dim; d++) range = Math.max(range, vmax[d]! - vmin[d]!);
    const scale = Math.fround(range > 0 ? range / 255 : 1);
    const g: Graph = { levels: f.section('levels'), upper: f.section('upper'), entry: f.header['entry'] as number, maxLevel: f.header['maxLevel'] as number };
    const idx = new HnswSqIndex(getKernels(), metric, dim, count, elementType, p, g, scale);
    const rt = idx.rt;
    rt.f32().set(vecs, idx.vectors >>> 2);
    rt.f32().set(vmin, idx.vmin >>> 2);
    const u8 = rt.u8();
    const inv = 1 / scale;
    for (let i = 0; i < count; i++) {
      const dst = idx.level0 + i * idx.stride0;
      u8.set(src.subarray(i * strideF, i * strideF + linkBytes), dst);
      for (let d = 0; d < dim; d++) {
        u8[dst + linkBytes + d] = Math.min(255, Math.max(0, Math.round((vecs[i * dim + d]! - vmin[d]!) * inv)));
      }
    }
    return idx;
  }

  static open(bytes: Uint8Array): HnswSqIndex {
    const f = readIndexFile(bytes, 'HNSW_SQ');
    const h = f.header;
    expectFlags(f.flags, FLAG_HNSW_SQ8 | (h.metricType === 'COSINE' ? FLAG_NORMALIZED : 0), 'HNSW_SQ', h.metricType);
    const p: HnswSqParams = { M: h.params.M!, efConstruction: h.params.efConstruction!, seed: h.params.seed!, refine: h.params.refine !== 0 };
    const g: Graph = { levels: f.section('levels'), upper: f.section('upper'), entry: h['entry'] as number, maxLevel: h['maxLevel'] as number };
    const level0 = f.section('level0');
    const vectors = f.section('vectors');
    const vmin = f.section('vmin');
    checkGraph({ count: h.count, M: p.M, stride0: (1 + 2 * p.M) * 4 + Math.ceil(h.dim / 4) * 4, level0, ...g });
    sectionLength('vectors', vectors, h.count * h.dim * 4);
    sectionLength('vmin', vmin, h.dim * 4);
    const idx = new HnswSqIndex(getKernels(), h.metricType as MetricType, h.dim, h.count, h.elementType as DataType, p, g, h['scale'] as number);
    const u8 = idx.rt.u8();
    u8.set(level0, idx.level0);
    u8.set(vectors, idx.vectors);
    u8.set(vmin, idx.vmin);
    return idx;
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
  protected checkSearchParams(params: Readonly<Record<string, unknown>>): void {
    intParam(params, 'ef', HNSW_DEFAULTS.ef, 1, 32768);
    refineK(params);
  }

  protected searchCore(qPtr: number, kk: number, params: Readonly<Record<string, unknown>>, allowPtr: number, out: HitBuffers): number {
    const base = intParam(params, 'ef', HNSW_DEFAULTS.ef, 1, 32768);
    const ef = Math.max(Math.min(Math.ceil(base / this.selectivity), 16 * base, 4096), kk);
    const rk = refineK(params);
    const refine = !this.params.refine ? kk : rk === undefined ? ef : Math.min(ef, Math.ceil(rk * kk));
    const ptr = this.res.ensure((ef + 2) * 8);
    this.rt.i32()[(this.ctx >>> 2) + F.RES] = ptr;
    return this.rt.k.hnswSearchSq8(this.ctx, qPtr, kk, ef, refine, allowPtr, out.rowsPtr, out.distsPtr);
  }

  protected searchRows(qPtr: number, kk: number, selPtr: number, nsel: number, out: HitBuffers): number {
    const heap = this.heap.ensure((kk + 1) * 8);
    const size = this.rt.k.scanSelF32(floatMetricCode(this.metricType), qPtr, this.vectors, this.dim * 4, this.dim, selPtr, nsel, heap, kk, 0);
    return drainHeap(this.rt, heap, size, out.rowsPtr, out.distsPtr);
  }

  serialize(): Uint8Array {
    const u8 = this.rt.u8();
    const c = this.rt.i32();
    const o = this.ctx >>> 2;
    const levels = c[o + F.LEVELS]!;
    const upper = c[o + F.UPPER]!;
    const p = this.params;
    const header = {
      indexType: 'HNSW_SQ', metricType: this.metricType, dim: this.dim, count: this.count, elementType: this.elementType,
      params: { M: p.M, efConstruction: p.efConstruction, seed: p.seed, refine: p.refine ? 1 : 0 },
      sq_type: 'SQ8', refine_type: 'FP32', scale: this.scale, entry: c[o + F.ENTRY]!, maxLevel: c[o + F.MAXLEVEL]!,
    };
    const flags = FLAG_HNSW_SQ8 | (this.metricType === 'COSINE' ? FLAG_NORMALIZED : 0);
    const n = this.count;
    return writeIndexFile(header, flags, {
      level0: bytesOf(u8.subarray(this.level0, this.level0 + n * this.stride0)),
      levels: bytesOf(u8.subarray(levels, levels + n)),
      upper: bytesOf(u8.subarray(upper, upper + this.upperBytes)),
      vectors: bytesOf(u8.subarray(this.vectors, this.vectors + n * this.dim * 4)),
      vmin: bytesOf(u8.subarray(this.vmin, this.vmin + this.dim * 4)),
    });
  }

  bytesUsed(): number {
    const n = this.count;
    return 128 + n * this.stride0 + n + n * 4 + this.upperBytes + n * 2 + (n + 2) * 8 + n * this.dim * 4 + this.dim * 6
      + this.res.bytes + this.heap.bytes;
  }

  protected freeMemory(): void {
    for (const p of this.blocks) this.rt.release(p);
    this.res.free();
    this.heap.free();
  }
}

export const hnswSqFactory: VectorIndexFactory = floatIndexFactory('HNSW_SQ', parseHnswSqParams, (data, n, dim, metric, type, params, opts) =>
  HnswSqIndex.build(data, n, dim, metric, type, params, opts),
(bytes) => HnswSqIndex.open(bytes));
