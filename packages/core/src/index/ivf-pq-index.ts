/**
 * IVF_PQ, disk-resident (Milvus/knowhere IVF_PQ with a full-precision refine): `nlist` coarse
 * centroids from seeded k-means on a sample of at most 256 × nlist rows; each row's residual to
 * its centroid is product-quantized into `m` sub-vectors of `nbits`-bit codes (codebooks trained
 * on a sample and every row encoded by a WASM kernel: pq-train.ts). Centroids, codebooks and the codes stay in memory (the
 * hot part: m bytes a row); the float32 rows, grouped by list, stay in the file and are read by
 * range in checksummed blocks (util/block-file.ts) through the database's block cache, only
 * to re-rank the best `k × refine_k` candidates of the code scan.
 *
 * Search has two phases because the re-rank reads are asynchronous: `prepareSearch` scans the
 * codes, fetches the blocks the candidates live in and holds them; the synchronous `search`
 * (same arguments) then re-ranks from those blocks. A search over several segments splits
 * phase one further: `candidates` (the scan alone, ADC distances best first), a cut across the
 * segments' candidates (query/candidate-cut.ts), then `prepareSearch` with this index's share.
 * A filter keeping few rows re-ranks every survivor (exact over them), like the other indexes'
 * exact fallback.
 *
 * Internal distances are smaller-is-closer (index-common.ts); COSINE rows are normalized.
 */
import { VesperError } from '../errors/index.ts';
import { crc32 } from '../util/crc32.ts';
import type { MetricType } from '../schema/types.ts';
import { DataType } from '../schema/data-type.ts';
import type { VectorColumn } from '../schema/columns.ts';
import { getKernels } from '../kernels/loader.ts';
import { align } from '../kernels/wasm-arena.ts';
import type { BlockCache } from '../util/block-cache.ts';
import { BlockReader, blockChecksums, memoryRange, type RangeSource } from '../util/block-file.ts';
import type {
  CandidateCut, IndexBuildOptions, IndexSearchParams, QueryVectors, SearchCandidates, TopK, VectorIndex, VectorIndexFactory,
} from './vector-index.ts';
import {
  FLOAT_METRICS, checkAbort, checkDim, checkMetric, checkQueries, columnToFloat, emptyTopK, intParam, rangeBounds, toFloat, toMilvus,
} from './index-common.ts';
import { EXACT_FILTER_RATIO, countBelow } from './index-base.ts';
import { kmeans } from './kmeans.ts';
import { TopHeap, nearest, normalize } from './pq-math.ts';
import { encodeRows, trainCodebooks } from './pq-train.ts';
import { PqScanner, type PqHotParts, type PqScanKernel } from './pq-scan.ts';
import { invertedLists } from './ivf-index.ts';
import { FLAG_BLOCK_RERANK, FLAG_NORMALIZED, bytesOf, expectFlags, readIndexFile, readIndexHead, writeIndexFile, type IndexHeader, type SectionPlace } from './index-format.ts';
import { showValue } from '../util/show-value.ts';

export const IVF_PQ_DEFAULTS = { nlist: 128, nprobe: 8, nbits: 8, seed: 42, refine_k: 4 } as const;

/** Target bytes of one block of the vectors region (rounded to whole rows when a row fits). */
const BLOCK_TARGET = 4096;

/** Sections held in memory, each checked against a CRC-32 in the header on open. */
const HOT_SECTIONS = ['centroids', 'codebooks', 'offsets', 'ids', 'codes', 'vector_crcs'] as const;

/** The default m: a divisor of dim giving sub-vectors of 4 (else 2, else 1) dimensions. */
export function defaultM(dim: number): number {
  return dim % 4 === 0 ? dim / 4 : dim % 2 === 0 ? dim / 2 : dim;
}

interface PqParams {
  readonly nlist: number;
  readonly m: number;
  readonly nbits: number;
  readonly seed: number;
}

function parseParams(params: Readonly<Record<string, unknown>>, dim: number): PqParams {
  const m = intParam(params, 'm', defaultM(dim), 1, dim);
  if (dim % m !== 0) throw new VesperError('PARAMETER_INVALID', `param 'm' (${m}) must divide dim (${dim}) for IVF_PQ`, { param: 'm' });
  return {
    nlist: intParam(params, 'nlist', IVF_PQ_DEFAULTS.nlist, 1, 65536),
    m,
    nbits: intParam(params, 'nbits', IVF_PQ_DEFAULTS.nbits, 1, 8),
    seed: intParam(params, 'seed', IVF_PQ_DEFAULTS.seed, 0, 0xffffffff),
  };
}

/** refine_k (Milvus's re-rank magnification): a number ≥ 1, candidates = ceil(k × refine_k). */
function refineK(params: Readonly<Record<string, unknown>>): number {
  const raw = params['refine_k'];
  if (raw === undefined || raw === null || raw === '') return IVF_PQ_DEFAULTS.refine_k;
  const v = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || v > 1024) {
    throw new VesperError('PARAMETER_INVALID', `param 'refine_k' (${showValue(raw)}) should be a number in range [1, 1024]`, { param: 'refine_k' });
  }
  return v;
}

type Parts = PqParams & PqHotParts;

/** One query's phase-one answer: prepared float query and the slots to re-rank. */
interface Planned {
  readonly q: Float32Array;
  /** A code scan's candidates best first, or every allowed row (a selective filter) ascending. */
  readonly slots: Int32Array;
  /** The scan's ADC distances of `slots` (smaller is closer); absent when every allowed row is re-ranked. */
  readonly approx?: Float32Array;
}

/** What `candidates` found: the plan `prepareSearch` holds once a cut has trimmed it. */
class PqCandidates implements SearchCandidates {
  readonly approx: readonly (Float32Array | undefined)[];
  constructor(readonly owner: IvfPqIndex, readonly plan: readonly Planned[] | undefined, nq: number, readonly want: number) {
    this.approx = plan?.map((p) => p.approx) ?? Array.from({ length: nq }, () => new Float32Array(0));
  }

  /** The plan re-ranking, per query, only the first keep[qi] candidates of a code scan. */
  cut(keep: Int32Array): Planned[] | undefined {
    return this.plan?.map((p, qi) => {
      if (p.approx === undefined) return p;
      const n = Math.min(p.slots.length, Math.max(0, keep[qi] ?? p.slots.length));
      return { q: p.q, slots: p.slots.subarray(0, n), approx: p.approx.subarray(0, n) };
    });
  }
}

/** A plan made by `prepareSearch`, reused by `search` with the same arguments. */
interface HeldPlan {
  readonly queries: QueryVectors;
  readonly nq: number;
  readonly k: number;
  readonly key: string;
  readonly allow: Uint32Array | undefined;
  readonly plan: Planned[] | undefined;
}

/** How an IVF_PQ index is opened (`kernel: 'ts'` scans with the TypeScript twins: tests, bench). */
export interface IvfPqOpenOptions {
  readonly kernel?: PqScanKernel;
}

export class IvfPqIndex implements VectorIndex {
  readonly indexType = 'IVF_PQ';
  private readonly params: PqParams;
  private readonly offsets: Int32Array;
  private readonly ids: Int32Array;
  private readonly scanner: PqScanner;
  private readonly pos: Int32Array;
  private readonly rowBytes: number;
  /** Blocks held for prepared searches, with how many preparations hold each. */
  private readonly pinned = new Map<number, { bytes: Uint8Array; refs: number }>();
  private readonly held: HeldPlan[] = [];
  private disposed = false;

  constructor(
    readonly metricType: MetricType,
    readonly dim: number,
    readonly count: number,
    private readonly elementType: DataType,
    parts: Parts,
    private readonly vectors: BlockReader,
    /** The whole file, for an index built here (its vectors are read from these bytes). */
    private readonly file?: Uint8Array,
    kernel: PqScanKernel = 'wasm',
  ) {
    this.params = { nlist: parts.nlist, m: parts.m, nbits: parts.nbits, seed: parts.seed };
    this.offsets = parts.offsets;
    this.ids = parts.ids;
    this.scanner = new PqScanner(parts, dim, count, metricType, kernel);
    this.rowBytes = dim * 4;
    this.pos = new Int32Array(count);
    for (let s = 0; s < count; s++) this.pos[parts.ids[s]!] = s;
  }

  get nlist(): number {
    return this.params.nlist;
  }

  /** Bytes this index reads by range so far (its share of the cache's bytesRead). */
  get bytesRead(): number {
    return this.vectors.bytesRead;
  }

  // ---------------------------------------------------------------- build

  static async build(data: Float32Array, n: number, dim: number, metric: MetricType, elementType: DataType, p: PqParams, opts?: IndexBuildOptions): Promise<IvfPqIndex> {
    const rt = getKernels();
    const nlist = Math.max(1, Math.min(p.nlist, n));
    let rows = data.subarray(0, n * dim);
    if (metric === 'COSINE') {
      rows = rows.slice();
      for (let i = 0; i < n; i++) normalize(rows.subarray(i * dim, (i + 1) * dim));
    }
    // coarse k-means on a sample of at most 256 × nlist rows, then every row to its list
    const centroids = n === 0 ? new Float32Array(0) : await kmeans(rt, rows, n, dim, nlist, { seed: p.seed, progress: { from: 0, to: 0.3 } }, opts, 'IVF_PQ');
    const assign = n === 0 ? new Int32Array(0) : await nearest(rt, rows, n, centroids, nlist, dim, opts);
    opts?.onProgress?.(0.4);
    checkAbort(opts, 'IVF_PQ');
    const { offsets, ids } = invertedLists(assign, n, nlist);
    // the m codebooks trained together on a sample of residuals, then every row encoded by the WASM kernel
    const shape = { dim, m: p.m, nbits: p.nbits };
    const codebooks = n === 0
      ? new Float32Array(p.m * (1 << p.nbits) * (dim / p.m))
      : await trainCodebooks(rt, rows, n, shape, centroids, assign, p.seed + 1, opts, { from: 0.4, to: 0.6 });
    const byRow = n === 0 ? new Uint8Array(0) : await encodeRows(rt, rows, n, shape, centroids, assign, codebooks, opts, { from: 0.6, to: 0.95 });
    // codes and full-precision rows in slot (posting-list) order
    const codes = new Uint8Array(n * p.m);
    const vecs = new Float32Array(n * dim);
    for (let s = 0; s < n; s++) {
      const r = ids[s]!;
      codes.set(byRow.subarray(r * p.m, (r + 1) * p.m), s * p.m);
      vecs.set(rows.subarray(r * dim, (r + 1) * dim), s * dim);
    }
    checkAbort(opts, 'IVF_PQ');
    const parts: Parts = { ...p, nlist, centroids, codebooks, offsets, ids, codes };
    const file = serializeParts(metric, dim, n, elementType, parts, bytesOf(vecs));
    opts?.onProgress?.(1);
    return openIvfPqSync(file);
  }

  // ---------------------------------------------------------------- search

  private checkParams(params: Readonly<Record<string, unknown>>): { nprobe: number; refine: number } {
    return { nprobe: Math.min(intParam(params, 'nprobe', IVF_PQ_DEFAULTS.nprobe, 1, 65536), this.nlist), refine: refineK(params) };
  }

  private prepareQuery(queries: QueryVectors, qi: number): Float32Array {
    const src = queries.subarray(qi * this.dim, (qi + 1) * this.dim) as QueryVectors;
    const q = Float32Array.from(toFloat(src, queries instanceof Float32Array ? DataType.FloatVector : this.elementType, this.dim));
    if (this.metricType === 'COSINE') normalize(q);
    return q;
  }

  /** Candidates re-ranked per query when this index answers alone: ceil(k × refine_k), 4× that for range search. */
  private wantOf(k: number, opts: IndexSearchParams | undefined): number {
    const { refine } = this.checkParams(opts?.params ?? {});
    return Math.max(k, Math.ceil(k * refine) * (opts?.radius !== undefined ? 4 : 1));
  }

  /** Phase one: per query the slots to re-rank (code scan over the probed lists, or every allowed row). */
  private plan(queries: QueryVectors, nq: number, k: number, opts: IndexSearchParams | undefined): Planned[] | undefined {
    if (this.disposed) throw new VesperError('INTERNAL', 'IVF_PQ index used after dispose()');
    checkQueries(queries, nq, this.dim, k);
    const { nprobe } = this.checkParams(opts?.params ?? {});
    rangeBounds(this.metricType, opts);
    const n = this.count;
    if (n === 0 || nq === 0) return undefined;
    const allow = opts?.allow;
    const allowed = allow === undefined ? n : countBelow(allow, n);
    if (allowed === 0) return undefined;
    // a selective filter: every survivor is re-ranked (exact over the survivors)
    let exact: Int32Array | undefined;
    if (allow !== undefined && allowed <= Math.max(n * EXACT_FILTER_RATIO, 4 * k)) {
      exact = new Int32Array(allowed);
      let j = 0;
      allow.forEach((r) => {
        if (r < n) exact![j++] = this.pos[r]!;
      });
      exact.sort();
    }
    const want = Math.min(allowed, this.wantOf(k, opts));
    const qs = Array.from({ length: nq }, (_, qi) => this.prepareQuery(queries, qi));
    if (exact !== undefined) return qs.map((q) => ({ q, slots: exact }));
    const hits = this.scanner.scan(qs, nprobe, want, allow);
    return qs.map((q, qi) => ({ q, slots: hits[qi]!.slots, approx: hits[qi]!.dist }));
  }

  /**
   * Whether this index takes part in a cut across segments: only where the cut was measured to
   * keep recall@10 at the default refine_k — L2 or IP, 8-bit codes, sub-vectors of at most 4
   * dimensions (the default m). Coarser codes estimate distances too loosely for the cut's
   * margin: on the edge bench (L2, m = dim/8) recall fell from 0.998 to 0.696, and COSINE at the
   * default m from 0.997 to 0.940 (docs/BENCHMARKS.md); those re-rank per segment as before.
   */
  private get cutsAcrossSegments(): boolean {
    return this.metricType !== 'COSINE' && this.params.nbits === 8 && this.dim / this.params.m <= 4;
  }

  /**
   * The code scan alone (phase one of `prepareSearch`), nothing read: per query the candidates'
   * ADC distances best first, for a cut across the indexes of several segments; undefined
   * where this index re-ranks its own candidates (`cutsAcrossSegments`).
   */
  candidates(queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams): SearchCandidates | undefined {
    if (!this.cutsAcrossSegments) return undefined;
    const plan = this.plan(queries, nq, k, opts);
    return new PqCandidates(this, plan, nq, this.wantOf(k, opts));
  }

  /** The plan `prepareSearch` made for these arguments, if one is held; else a new one. */
  private planFor(queries: QueryVectors, nq: number, k: number, opts: IndexSearchParams | undefined): Planned[] | undefined {
    const key = planKey(opts);
    const words = opts?.allow?.words;
    const h = this.held.find((p) => p.queries === queries && p.nq === nq && p.k === k && p.key === key && sameWords(p.allow, words));
    return h !== undefined ? h.plan : this.plan(queries, nq, k, opts);
  }

  /** Blocks the planned slots live in. */
  private blocksOf(plan: readonly Planned[]): Set<number> {
    const need = new Set<number>();
    for (const p of plan) {
      for (const s of p.slots) {
        const [b0, b1] = this.vectors.blocksOf(s * this.rowBytes, this.rowBytes);
        for (let b = b0; b <= b1; b++) need.add(b);
      }
    }
    return need;
  }

  /**
   * Phase two of a search by range: scans the codes (or takes `cut`'s share of what
   * `candidates` found) and reads the blocks the candidates live in, holding them until the
   * returned release is called; `search` with the same arguments in between reads nothing and
   * re-ranks only those candidates.
   * @throws INTERNAL when `cut` holds another index's candidates
   */
  async prepareSearch(queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams, cut?: CandidateCut): Promise<() => void> {
    let plan: Planned[] | undefined;
    if (cut === undefined) plan = this.plan(queries, nq, k, opts);
    else {
      const c = cut.candidates;
      if (!(c instanceof PqCandidates) || c.owner !== this) throw new VesperError('INTERNAL', 'IVF_PQ prepareSearch given a cut of another index\'s candidates');
      plan = c.cut(cut.keep);
    }
    if (plan === undefined) return () => undefined;
    // an index built here reads its rows from its file: nothing to fetch, but a cut plan is held all the same
    const got = this.file !== undefined ? new Map<number, Uint8Array>() : await this.vectors.blocks(this.blocksOf(plan));
    // the scan is not repeated by `search`: it finds this plan (same queries object, k, params, filter)
    const held: HeldPlan = { queries, nq, k, key: planKey(opts), allow: opts?.allow?.words.slice(), plan };
    this.held.push(held);
    for (const [b, bytes] of got) {
      const p = this.pinned.get(b);
      if (p) p.refs++;
      else this.pinned.set(b, { bytes, refs: 1 });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const at = this.held.indexOf(held);
      if (at >= 0) this.held.splice(at, 1);
      for (const b of got.keys()) {
        const p = this.pinned.get(b)!;
        if (--p.refs === 0) this.pinned.delete(b);
      }
    };
  }

  search(queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams): TopK {
    const result = emptyTopK(nq, k);
    const plan = this.planFor(queries, nq, k, opts);
    if (plan === undefined) return result;
    const bounds = rangeBounds(this.metricType, opts) ?? { lo: -Infinity, hi: Infinity };
    const row = new Float32Array(this.dim);
    const rowU8 = new Uint8Array(row.buffer);
    const block = (b: number): Uint8Array => {
      const bytes = this.pinned.get(b)?.bytes ?? this.vectors.cached(b);
      if (bytes === undefined) {
        throw new VesperError('INTERNAL', `IVF_PQ searched without prepareSearch: block ${b} of its vectors is not in memory`);
      }
      return bytes;
    };
    const ip = this.metricType !== 'L2';
    for (let qi = 0; qi < plan.length; qi++) {
      const { q, slots } = plan[qi]!;
      const heap = new TopHeap(k);
      for (const s of slots) {
        this.readRow(s, rowU8, block);
        let d = 0;
        if (ip) for (let i = 0; i < this.dim; i++) d -= q[i]! * row[i]!;
        else {
          for (let i = 0; i < this.dim; i++) {
            const x = q[i]! - row[i]!;
            d += x * x;
          }
        }
        if (d >= bounds.lo && d < bounds.hi) heap.push(d, this.ids[s]!);
      }
      const hits = heap.sorted();
      hits.forEach(([d, r], j) => {
        result.rows[qi * k + j] = r;
        result.distances[qi * k + j] = toMilvus(this.metricType, d);
      });
    }
    return result;
  }

  private readRow(slot: number, out: Uint8Array, block: (b: number) => Uint8Array): void {
    const off = slot * this.rowBytes;
    if (this.file !== undefined) {
      out.set(this.file.subarray(this.vectors.region.offset + off, this.vectors.region.offset + off + this.rowBytes));
      return;
    }
    const bs = this.vectors.region.blockSize;
    for (let at = off; at < off + this.rowBytes;) {
      const b = Math.floor(at / bs);
      const bytes = block(b);
      const end = Math.min(off + this.rowBytes, b * bs + bytes.byteLength);
      out.set(bytes.subarray(at - b * bs, end - b * bs), at - off);
      at = end;
    }
  }

  // ---------------------------------------------------------------- bytes

  serialize(): Uint8Array {
    if (this.file === undefined) {
      throw new VesperError('INTERNAL', 'an IVF_PQ index opened by range is not re-serialized: its file is already stored');
    }
    return this.file;
  }

  /** Memory held: the hot sections (and, for an index built here, its file). Cached blocks are the cache's. */
  bytesUsed(): number {
    return this.scanner.bytesUsed + this.offsets.byteLength + this.ids.byteLength
      + this.pos.byteLength + this.vectors.region.checksums.byteLength + (this.file?.byteLength ?? 0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pinned.clear();
    this.held.length = 0;
    this.scanner.dispose();
  }
}

function planKey(opts: IndexSearchParams | undefined): string {
  return JSON.stringify([opts?.params ?? {}, opts?.radius, opts?.rangeFilter]);
}

function sameWords(a: Uint32Array | undefined, b: Uint32Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What `bytesUsed` reports for an index of `count` rows opened by range, from its shape alone:
 * in WASM the centroids, the codebooks transposed for the scan (ksub padded to 4), the codes and
 * the slot ids; in JS the list offsets, the slot ids and the row positions; one checksum per
 * block of full-precision rows. Search scratch (the scanner's work buffer) is not counted.
 */
export function ivfPqResidentBytes(count: number, dim: number, params: Readonly<Record<string, unknown>>): number {
  const p = parseParams(params, dim);
  const nlist = Math.max(1, Math.min(p.nlist, count));
  const kp = Math.ceil((1 << p.nbits) / 4) * 4;
  const wasm = align(nlist * dim * 4) + align(p.m * kp * (dim / p.m) * 4) + align(count * p.m) + align(count * 4);
  const blocks = Math.ceil((count * dim * 4) / blockSizeFor(dim));
  return wasm + (nlist + 1) * 4 + count * 4 + count * 4 + blocks * 4;
}

function blockSizeFor(dim: number): number {
  const row = dim * 4;
  return row >= BLOCK_TARGET ? row : Math.floor(BLOCK_TARGET / row) * row;
}

function flagsFor(metric: string): number {
  return FLAG_BLOCK_RERANK | (metric === 'COSINE' ? FLAG_NORMALIZED : 0);
}

function serializeParts(metric: MetricType, dim: number, count: number, elementType: DataType, p: Parts, vectors: Uint8Array): Uint8Array {
  const blockSize = blockSizeFor(dim);
  const sections: Record<string, Uint8Array> = {
    centroids: bytesOf(p.centroids), codebooks: bytesOf(p.codebooks), offsets: bytesOf(p.offsets), ids: bytesOf(p.ids), codes: p.codes,
    vector_crcs: bytesOf(blockChecksums(vectors, blockSize)),
  };
  const checksums: Record<string, number> = {};
  for (const name of HOT_SECTIONS) checksums[name] = crc32(sections[name]!);
  const header: IndexHeader = {
    indexType: 'IVF_PQ', metricType: metric, dim, count, elementType,
    params: { nlist: p.nlist, m: p.m, nbits: p.nbits, seed: p.seed }, blockSize, checksums,
  };
  return writeIndexFile(header, flagsFor(metric), { ...sections, vectors });
}

/** Checks the header and hot sections, and builds the index over `source`. */
function assemble(
  source: RangeSource, header: IndexHeader, flags: number, vec: SectionPlace, hot: Map<string, Uint8Array>, cache: BlockCache | undefined,
  file: Uint8Array | undefined, opts: IvfPqOpenOptions | undefined,
): IvfPqIndex {
  const h = header;
  expectFlags(flags, flagsFor(h.metricType), 'IVF_PQ', h.metricType);
  if (!FLOAT_METRICS.includes(h.metricType as MetricType)) throw new VesperError('FORMAT_CORRUPT', `IVF_PQ index file: metric ${h.metricType}`);
  const { dim, count } = h;
  const { nlist, m, nbits, seed } = h.params as Record<string, number>;
  const int = (v: unknown, lo: number, hi: number): boolean => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  if (!int(nlist, 1, 65536) || !int(m, 1, dim) || dim % m! !== 0 || !int(nbits, 1, 8) || !int(seed, 0, 0xffffffff) || !int(h['blockSize'], 64, 2 ** 30)) {
    throw new VesperError('FORMAT_CORRUPT', 'IVF_PQ index file: params nlist, m, nbits, seed or blockSize out of range');
  }
  const blockSize = h['blockSize'] as number;
  const sums = (h['checksums'] ?? {}) as Record<string, unknown>;
  const ksub = 1 << nbits!;
  const expect: Record<string, number> = {
    centroids: nlist! * dim * 4, codebooks: m! * ksub * (dim / m!) * 4, offsets: (nlist! + 1) * 4, ids: count * 4, codes: count * m!,
    vector_crcs: Math.ceil((count * dim * 4) / blockSize) * 4,
  };
  for (const name of HOT_SECTIONS) {
    const b = hot.get(name)!;
    if (b.byteLength !== expect[name]) throw new VesperError('FORMAT_CORRUPT', `vector index section '${name}' holds ${b.byteLength} bytes, expected ${expect[name]}`);
    if (crc32(b) !== sums[name]) throw new VesperError('FORMAT_CORRUPT', `vector index section '${name}' fails its checksum`);
  }
  if (vec.length !== count * dim * 4) throw new VesperError('FORMAT_CORRUPT', "IVF_PQ index file: section 'vectors' is missing or the wrong size");
  const copy = <T>(name: string, make: (buf: ArrayBuffer) => T): T => make(hot.get(name)!.slice().buffer);
  const parts: Parts = {
    nlist: nlist!, m: m!, nbits: nbits!, seed: seed!,
    centroids: copy('centroids', (b) => new Float32Array(b)),
    codebooks: copy('codebooks', (b) => new Float32Array(b)),
    offsets: copy('offsets', (b) => new Int32Array(b)),
    ids: copy('ids', (b) => new Int32Array(b)),
    // the scanner copies the codes into WASM memory: no JS copy of its own
    codes: hot.get('codes')!,
  };
  checkLists(parts.offsets, parts.ids, count);
  const checksums = copy('vector_crcs', (b) => new Uint32Array(b));
  const reader = new BlockReader(source, { offset: vec.offset, length: vec.length, blockSize, checksums }, cache);
  if (file !== undefined && vec.offset + vec.length > file.byteLength) throw new VesperError('FORMAT_CORRUPT', "vector index section 'vectors' is truncated");
  return new IvfPqIndex(h.metricType as MetricType, dim, count, h.elementType as DataType, parts, reader, file, opts?.kernel);
}

/**
 * Opens an IVF_PQ file by range: reads the header and the hot sections, leaves the vectors in
 * the file (read in blocks through `cache` as searches need them).
 */
export async function openIvfPq(source: RangeSource, cache?: BlockCache, opts?: IvfPqOpenOptions): Promise<IvfPqIndex> {
  const head = await readIndexHead(source, 'IVF_PQ');
  const hot = new Map<string, Uint8Array>();
  await Promise.all(HOT_SECTIONS.map(async (name) => {
    const s = head.place(name);
    const b = await source.getRange(s.offset, s.length);
    if (b === undefined) throw new VesperError('IO_KEY_NOT_FOUND', `vector index file ${source.id} is missing`);
    hot.set(name, b);
  }));
  return assemble(source, head.header, head.flags, head.place('vectors'), hot, cache, undefined, opts);
}

/** Opens an IVF_PQ file held in memory (its vectors are read from these bytes). */
export function openIvfPqSync(bytes: Uint8Array, opts?: IvfPqOpenOptions): IvfPqIndex {
  const f = readIndexFile(bytes, 'IVF_PQ');
  const hot = new Map<string, Uint8Array>(HOT_SECTIONS.map((name) => [name, f.section(name)]));
  const vectors = f.section('vectors');
  return assemble(memoryRange(bytes), f.header, f.flags, { offset: vectors.byteOffset - bytes.byteOffset, length: vectors.byteLength }, hot, undefined, bytes, opts);
}

function checkLists(offsets: Int32Array, ids: Int32Array, count: number): void {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== count) {
    throw new VesperError('FORMAT_CORRUPT', `IVF_PQ index file: posting lists span ${offsets[0]}..${offsets[offsets.length - 1]}, expected 0..${count}`);
  }
  for (let l = 1; l < offsets.length; l++) {
    if (offsets[l]! < offsets[l - 1]!) throw new VesperError('FORMAT_CORRUPT', `IVF_PQ index file: posting list ${l - 1} has a negative length`);
  }
  const seen = new Uint8Array(count);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= count || seen[id] === 1) throw new VesperError('FORMAT_CORRUPT', `IVF_PQ index file: posting entry ${i} names row ${id} of ${count} (or twice)`);
    seen[id] = 1;
  }
}

/** A factory whose indexes read their vectors through `cache` (the database's block cache). */
export function ivfPqFactory(cache?: BlockCache): VectorIndexFactory & { openRange(source: RangeSource): Promise<VectorIndex> } {
  return {
    indexType: 'IVF_PQ',
    metrics: FLOAT_METRICS,
    validateParams(params: Readonly<Record<string, unknown>>, metric: MetricType): void {
      checkMetric('IVF_PQ', metric, FLOAT_METRICS);
      intParam(params, 'nlist', IVF_PQ_DEFAULTS.nlist, 1, 65536);
      intParam(params, 'nbits', IVF_PQ_DEFAULTS.nbits, 1, 8);
      intParam(params, 'seed', IVF_PQ_DEFAULTS.seed, 0, 0xffffffff);
      intParam(params, 'm', 1, 1, 32768);
    },
    async build(vectors: VectorColumn, metric: MetricType, params: Readonly<Record<string, unknown>>, opts?: IndexBuildOptions): Promise<VectorIndex> {
      this.validateParams(params, metric);
      const data = columnToFloat(vectors, 'IVF_PQ');
      const dim = 'dim' in vectors ? vectors.dim : 0;
      checkDim(dim, 'IVF_PQ');
      const p = parseParams(params, dim);
      checkAbort(opts, 'IVF_PQ');
      return IvfPqIndex.build(data, vectors.length, dim, metric, vectors.type, p, opts);
    },
    open: (bytes: Uint8Array) => openIvfPqSync(bytes),
    openRange: (source: RangeSource) => openIvfPq(source, cache),
    residentBytes: ivfPqResidentBytes,
  };
}

