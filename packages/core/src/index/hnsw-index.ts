/**
 * HNSW (Milvus/knowhere HNSW over hnswlib's algorithm): params `M` (max degree; level 0 keeps
 * 2M), `efConstruction`; search param `ef`. Graph and vectors live in WASM memory laid out as
 * described in kernels/assembly/hnsw.ts (level-0 records [count][2M links][vector]); insertion
 * and search run entirely in WASM, one crossing per inserted node / per query. Levels come
 * from a seeded generator (param `seed`), so a build is deterministic. COSINE vectors are
 * normalized at insert and search and use the IP kernels.
 *
 * Deletes and filters arrive as the allow bitset: traversal walks through disallowed nodes
 * but never returns them (hnswlib's filtered search); very selective filters go to exact
 * search over the survivors (index-base.ts).
 */
import { VesperError } from '../errors/index.ts';
import type { MetricType } from '../schema/types.ts';
import { DataType } from '../schema/data-type.ts';
import { Random } from '../util/random.ts';
import { getKernels } from '../kernels/loader.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import type { IndexBuildOptions, QueryVectors, VectorIndexFactory } from './vector-index.ts';
import { IndexBase, type HitBuffers } from './index-base.ts';
import {
  WasmBuffer, checkAbort, drainHeap, floatIndexFactory, floatMetricCode, intParam,
  writeFloatQuery, yieldToEventLoop,
} from './index-common.ts';
import { FLAG_HNSW_INTERLEAVED, FLAG_NORMALIZED, bytesOf, expectFlags, readIndexFile, readIndexHead, writeIndexFile, type IndexHeader, type SectionPlace } from './index-format.ts';
import { checkGraph, checkUpperLevels } from './graph-check.ts';
import type { RangeSource } from '../util/block-file.ts';

/** i32 field offsets (in words) of the context block (mirror of assembly/hnsw.ts). */
export const HNSW_CTX = {
  DIM: 0, METRIC: 1, M: 2, M0: 3, EFC: 4, N: 5, ENTRY: 6, MAXLEVEL: 7, STRIDE0: 8, L0: 9, LEVELS: 10, UPOFF: 11,
  UPPER: 12, VISITED: 13, EPOCH: 14, CAND: 15, RES: 16, SCRATCH: 17, CAP: 18,
  // HNSW_SQ only (hnsw-sq-index.ts)
  KIND: 19, FVEC: 20, VMIN: 21, INVSCALE: 22, QBUF: 23,
} as const;
const F = HNSW_CTX;

export const HNSW_DEFAULTS = { M: 16, efConstruction: 200, ef: 64, seed: 100 } as const;

export interface HnswParams {
  readonly M: number;
  readonly efConstruction: number;
  readonly seed: number;
}

export function parseHnswParams(params: Readonly<Record<string, unknown>>): HnswParams {
  return {
    M: intParam(params, 'M', HNSW_DEFAULTS.M, 2, 2048),
    efConstruction: intParam(params, 'efConstruction', HNSW_DEFAULTS.efConstruction, 1, 1 << 20),
    seed: intParam(params, 'seed', HNSW_DEFAULTS.seed, 0, 0xffffffff),
  };
}

interface Blocks {
  ctx: number;
  level0: number;
  levels: number;
  upOff: number;
  upper: number;
  upperBytes: number;
  visited: number;
  cand: number;
  scratch: number;
}

export class HnswIndex extends IndexBase {
  readonly indexType = 'HNSW';
  readonly params: HnswParams;
  private readonly elementType: DataType;
  private readonly b: Blocks;
  private readonly res: WasmBuffer;
  private readonly heap: WasmBuffer;
  private readonly stride0: number;

  private constructor(rt: WasmArena, metric: MetricType, dim: number, count: number, elementType: DataType, p: HnswParams, levels: Uint8Array) {
    super(rt, metric, dim, count);
    this.params = p;
    this.elementType = elementType;
    const m0 = 2 * p.M;
    this.stride0 = (1 + m0) * 4 + dim * 4;
    const upOff = new Uint32Array(count);
    let upperBytes = 0;
    for (let i = 0; i < count; i++) {
      upOff[i] = upperBytes;
      upperBytes += levels[i]! * (p.M + 1) * 4;
    }
    const scratchBytes = (p.efConstruction + 1) * 8 + (m0 + 1) * 8 + (m0 + 2) * 8 + (m0 + 1) * 8;
    this.b = {
      ctx: rt.alloc(128),
      level0: rt.alloc(count * this.stride0),
      levels: rt.alloc(count),
      upOff: rt.alloc(count * 4),
      upper: rt.alloc(upperBytes),
      upperBytes,
      visited: rt.alloc(count * 2), // u16 epoch per node
      cand: rt.alloc((count + 2) * 8),
      scratch: rt.alloc(scratchBytes),
    };
    rt.u8().set(levels, this.b.levels);
    rt.u32().set(upOff, this.b.upOff >>> 2);
    this.res = new WasmBuffer(rt);
    this.heap = new WasmBuffer(rt);
    const c = rt.i32();
    const o = this.b.ctx >>> 2;
    c[o + F.DIM] = dim;
    c[o + F.METRIC] = floatMetricCode(metric);
    c[o + F.M] = p.M;
    c[o + F.M0] = m0;
    c[o + F.EFC] = p.efConstruction;
    c[o + F.STRIDE0] = this.stride0;
    c[o + F.L0] = this.b.level0;
    c[o + F.LEVELS] = this.b.levels;
    c[o + F.UPOFF] = this.b.upOff;
    c[o + F.UPPER] = this.b.upper;
    c[o + F.VISITED] = this.b.visited;
    c[o + F.SCRATCH] = this.b.scratch;
    c[o + F.CAP] = count;
    this.ensureRes(p.efConstruction);
  }

  private ensureRes(ef: number): void {
    const ptr = this.res.ensure((ef + 2) * 8);
    const c = this.rt.i32();
    c[(this.b.ctx >>> 2) + F.RES] = ptr;
    c[(this.b.ctx >>> 2) + F.CAND] = this.b.cand;
  }

  private field(f: number): number {
    return this.rt.i32()[(this.b.ctx >>> 2) + f]!;
  }

  static async build(data: Float32Array, count: number, dim: number, metric: MetricType, elementType: DataType, p: HnswParams, opts?: IndexBuildOptions): Promise<HnswIndex> {
    const rt = getKernels();
    const rnd = new Random(p.seed);
    const mult = 1 / Math.log(p.M);
    const levels = new Uint8Array(count);
    for (let i = 0; i < count; i++) levels[i] = Math.min(255, Math.floor(-Math.log(1 - rnd.next()) * mult));
    const idx = new HnswIndex(rt, metric, dim, count, elementType, p, levels);
    try {
      const vecOff = (1 + 2 * p.M) * 4;
      const stride = idx.stride0;
      const l0 = idx.b.level0;
      for (let i = 0; i < count; i++) {
        const ptr = l0 + i * stride + vecOff;
        rt.f32().set(data.subarray(i * dim, (i + 1) * dim), ptr >>> 2);
        if (metric === 'COSINE') rt.k.normalize(ptr, dim);
      }
      let last = performance.now();
      for (let i = 0; i < count; i++) {
        rt.k.hnswInsert(idx.b.ctx, i);
        if ((i & 255) === 255 && performance.now() - last > 50) {
          opts?.onProgress?.(i / count);
          await yieldToEventLoop(opts);
          checkAbort(opts, 'HNSW');
          last = performance.now();
        }
      }
      checkAbort(opts, 'HNSW');
    } catch (e) {
      idx.dispose();
      throw e;
    }
    opts?.onProgress?.(1);
    return idx;
  }

  static open(bytes: Uint8Array): HnswIndex {
    const f = readIndexFile(bytes, 'HNSW');
    const h = f.header;
    const p = fileParams(h, f.flags);
    const levels = f.section('levels');
    const level0 = f.section('level0');
    const upper = f.section('upper');
    checkGraph({ count: h.count, M: p.M, stride0: (1 + 2 * p.M) * 4 + h.dim * 4, level0, levels, upper, entry: h['entry'], maxLevel: h['maxLevel'] });
    const idx = new HnswIndex(getKernels(), h.metricType as MetricType, h.dim, h.count, h.elementType as DataType, p, levels);
    const rt = idx.rt;
    rt.u8().set(level0, idx.b.level0);
    rt.u8().set(upper, idx.b.upper);
    return idx.entered(h);
  }

  /** Sets the row count, entry point and top level of an opened graph from its file's header. */
  private entered(h: IndexHeader): this {
    const c = this.rt.i32();
    const o = this.b.ctx >>> 2;
    c[o + F.N] = h.count;
    c[o + F.ENTRY] = h['entry'] as number;
    c[o + F.MAXLEVEL] = h['maxLevel'] as number;
    return this;
  }

  /**
   * Opens an index file by range: the header and the small sections first, then level 0 (the
   * vectors and their neighbour lists, nearly all of the file) in `chunk`-byte pieces copied
   * straight into the arena as they arrive, OPEN_DEPTH reads in flight — the file
   * is never held whole in JS, so an open's peak is the index plus one piece, not twice the file.
   * The graph is checked in the arena before the index is returned (nothing searches it sooner).
   * @throws IO_KEY_NOT_FOUND when the file is missing; FORMAT_CORRUPT for a truncated or inconsistent file
   */
  static async openFrom(source: RangeSource, chunk = OPEN_CHUNK): Promise<HnswIndex> {
    const f = await readIndexHead(source, 'HNSW');
    const h = f.header;
    const p = fileParams(h, f.flags);
    const whole = async (name: string): Promise<Uint8Array> => readSection(source, name, f.place(name), 0, f.place(name).length);
    const [levels, upper] = await Promise.all([whole('levels'), whole('upper')]);
    const l0 = f.place('level0');
    const stride0 = (1 + 2 * p.M) * 4 + h.dim * 4;
    if (l0.length !== h.count * stride0) throw new VesperError('FORMAT_CORRUPT', `vector index section 'level0' holds ${l0.length} bytes, expected ${h.count * stride0}`);
    // what the constructor sizes the arena from is checked before it allocates
    checkUpperLevels({ count: h.count, M: p.M, levels, upper, entry: h['entry'], maxLevel: h['maxLevel'] });
    const idx = new HnswIndex(getKernels(), h.metricType as MetricType, h.dim, h.count, h.elementType as DataType, p, levels);
    try {
      // OPEN_DEPTH reads in flight: the store streams while pieces are copied
      const inFlight: Promise<Uint8Array>[] = [];
      let next = 0;
      const issue = (): void => {
        const read = readSection(source, 'level0', l0, next, Math.min(chunk, l0.length - next));
        read.catch(() => undefined); // awaited below, in order; a failure ahead of it is not unhandled
        inFlight.push(read);
        next += chunk;
      };
      while (next < l0.length && inFlight.length < OPEN_DEPTH) issue();
      for (let at = 0; at < l0.length; at += chunk) {
        const piece = await inFlight.shift()!;
        if (next < l0.length) issue();
        // a fresh view each time: another index may have grown the memory meanwhile
        idx.rt.u8().set(piece, idx.b.level0 + at);
      }
      const rt = idx.rt;
      rt.u8().set(upper, idx.b.upper);
      checkGraph({ count: h.count, M: p.M, stride0, level0: rt.u8().subarray(idx.b.level0, idx.b.level0 + l0.length), levels, upper, entry: h['entry'], maxLevel: h['maxLevel'] });
      return idx.entered(h);
    } catch (e) {
      idx.dispose();
      throw e;
    }
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
  }

  protected searchCore(qPtr: number, kk: number, params: Readonly<Record<string, unknown>>, allowPtr: number, out: HitBuffers): number {
    // a filter hides part of every neighbourhood: widen the beam by 1/selectivity (capped);
    // filters keeping under EXACT_FILTER_RATIO never get here (exact over survivors)
    const base = intParam(params, 'ef', HNSW_DEFAULTS.ef, 1, 32768);
    const ef = Math.max(Math.min(Math.ceil(base / this.selectivity), 16 * base, 4096), kk);
    this.ensureRes(ef);
    return this.rt.k.hnswSearch(this.b.ctx, qPtr, kk, ef, allowPtr, out.rowsPtr, out.distsPtr);
  }

  protected searchRows(qPtr: number, kk: number, selPtr: number, nsel: number, out: HitBuffers): number {
    const heap = this.heap.ensure((kk + 1) * 8);
    const metric = floatMetricCode(this.metricType);
    const base = this.b.level0 + (1 + 2 * this.params.M) * 4;
    const size = this.rt.k.scanSelF32(metric, qPtr, base, this.stride0, this.dim, selPtr, nsel, heap, kk, 0);
    return drainHeap(this.rt, heap, size, out.rowsPtr, out.distsPtr);
  }

  /** Level-0 records hold each row's vector as built, except COSINE (normalized) and half-precision fields (converted). */
  copyVectors(rows: ArrayLike<number>, out: Float32Array): boolean {
    if (this.metricType === 'COSINE' || this.elementType !== DataType.FloatVector || this.disposed) return false;
    const f32 = this.rt.f32();
    const vec = (this.b.level0 + (1 + 2 * this.params.M) * 4) >>> 2;
    const stride = this.stride0 >>> 2;
    for (let i = 0; i < rows.length; i++) {
      const at = vec + rows[i]! * stride;
      out.set(f32.subarray(at, at + this.dim), i * this.dim);
    }
    return true;
  }

  serialize(): Uint8Array {
    const u8 = this.rt.u8();
    const header = {
      indexType: 'HNSW', metricType: this.metricType, dim: this.dim, count: this.count, elementType: this.elementType,
      params: { M: this.params.M, efConstruction: this.params.efConstruction, seed: this.params.seed },
      entry: this.field(F.ENTRY), maxLevel: this.field(F.MAXLEVEL),
    };
    const flags = FLAG_HNSW_INTERLEAVED | (this.metricType === 'COSINE' ? FLAG_NORMALIZED : 0);
    return writeIndexFile(header, flags, {
      level0: bytesOf(u8.subarray(this.b.level0, this.b.level0 + this.count * this.stride0)),
      levels: bytesOf(u8.subarray(this.b.levels, this.b.levels + this.count)),
      upper: bytesOf(u8.subarray(this.b.upper, this.b.upper + this.b.upperBytes)),
    });
  }

  bytesUsed(): number {
    const n = this.count;
    return 128 + n * this.stride0 + n + n * 4 + this.b.upperBytes + n * 2 + (n + 2) * 8 + this.res.bytes + this.heap.bytes
      + (this.params.efConstruction + 1) * 8 + (8 * this.params.M + 4) * 8;
  }

  protected freeMemory(): void {
    for (const p of [this.b.ctx, this.b.level0, this.b.levels, this.b.upOff, this.b.upper, this.b.visited, this.b.cand, this.b.scratch]) {
      this.rt.release(p);
    }
    this.res.free();
    this.heap.free();
  }
}

export const hnswFactory: VectorIndexFactory = {
  ...floatIndexFactory('HNSW', parseHnswParams, (data, n, dim, metric, type, params, opts) =>
    HnswIndex.build(data, n, dim, metric, type, params, opts),
  (bytes) => HnswIndex.open(bytes)),
  openFrom: (source) => HnswIndex.openFrom(source),
};

/** The build params of an HNSW file, once its flags word is checked against its metric. */
function fileParams(h: IndexHeader, flags: number): HnswParams {
  expectFlags(flags, FLAG_HNSW_INTERLEAVED | (h.metricType === 'COSINE' ? FLAG_NORMALIZED : 0), 'HNSW', h.metricType);
  return { M: h.params.M!, efConstruction: h.params.efConstruction!, seed: h.params.seed! };
}

/** Bytes of level 0 an open by range reads and copies at a time, and how many such reads are in flight. */
const OPEN_CHUNK = 8 * 2 ** 20;
const OPEN_DEPTH = 3;

/** `length` bytes from `at` of a section read by range; a short read means the file is truncated. */
async function readSection(source: RangeSource, name: string, place: SectionPlace, at: number, length: number): Promise<Uint8Array> {
  const got = await source.getRange(place.offset + at, length);
  if (got === undefined) throw new VesperError('IO_KEY_NOT_FOUND', `vector index file ${source.id} is missing`);
  if (got.byteLength !== length) throw new VesperError('FORMAT_CORRUPT', `vector index section '${name}' is truncated (${at + got.byteLength} of ${place.length} bytes)`);
  return got;
}
