/**
 * The search driver every index shares (knowhere's Index::Search/RangeSearch around an
 * index-specific core): argument checks, one WASM work block per call (allow bitset words,
 * the prepared query, result slots), the switch to exact search over the surviving rows when
 * a filter is very selective, range search by widening k until the window is exhausted, and
 * the conversion of internal distances to Milvus's convention.
 *
 * Invariant: subclasses see only internal distances (smaller is closer) and row numbers.
 */
import { VesperError } from '../errors/index.ts';
import type { Bitset } from '../util/bitset.ts';
import type { MetricType } from '../schema/types.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import { align } from '../kernels/wasm-arena.ts';
import type { IndexSearchParams, QueryVectors, TopK, VectorIndex } from './vector-index.ts';
import { checkQueries, emptyTopK, rangeBounds, toMilvus } from './index-common.ts';

/** A filter keeping at most this share of rows is answered by exact search over survivors. */
export const EXACT_FILTER_RATIO = 0.05;

/** Queries per searchBatch call (bounds the work block). */
const BATCH_QUERIES = 64;

/** Where a search core writes its hits: internal distances ascending, rows. */
export interface HitBuffers {
  readonly rowsPtr: number;
  readonly distsPtr: number;
}

export abstract class IndexBase implements VectorIndex {
  abstract readonly indexType: string;
  readonly metricType: MetricType;
  readonly dim: number;
  readonly count: number;
  protected readonly rt: WasmArena;
  protected disposed = false;
  /** Share of rows the current search's filter allows (1 without a filter). */
  protected selectivity = 1;

  constructor(rt: WasmArena, metric: MetricType, dim: number, count: number) {
    this.rt = rt;
    this.metricType = metric;
    this.dim = dim;
    this.count = count;
  }

  /** Elements per query row in the caller's buffer (dim, or dim/8 bytes for binary). */
  protected abstract queryWidth(): number;
  /** Bytes a prepared query takes in WASM memory. */
  protected abstract queryBytes(): number;
  /** Writes query qi, prepared (converted, normalized), at qPtr. */
  protected abstract writeQuery(queries: QueryVectors, qi: number, qPtr: number): void;
  /** Approximate (or exact, for FLAT) top-kk. Returns the hit count. */
  protected abstract searchCore(
    qPtr: number, kk: number, params: Readonly<Record<string, unknown>>, allowPtr: number, out: HitBuffers,
  ): number;
  /** Exact top-kk over the listed rows (sel: i32 rows). Returns the hit count. */
  protected abstract searchRows(qPtr: number, kk: number, selPtr: number, nsel: number, out: HitBuffers): number;
  /** Validates search params before any work (throws PARAMETER_INVALID). */
  protected abstract checkSearchParams(params: Readonly<Record<string, unknown>>, k: number): void;
  abstract serialize(): Uint8Array;
  abstract bytesUsed(): number;
  protected abstract freeMemory(): void;

  /**
   * Optional many-query core (query-blocked scans): top-kk of nq prepared queries, query j at
   * qPtr + j*qStride; hits of query j go to out.rowsPtr/distsPtr + j*outStride bytes and its
   * hit count to countsPtr (i32 j). Used for plain top-k with nq > 1 and no exact fallback.
   */
  protected searchBatch?(
    qPtr: number, qStride: number, nq: number, kk: number, allowPtr: number, out: HitBuffers, outStride: number, countsPtr: number,
  ): void;

  /** Whether a filter keeping `allowed` rows should go to exact search over the survivors. */
  protected preferExact(allowed: number, k: number): boolean {
    return allowed <= Math.max(this.count * EXACT_FILTER_RATIO, 4 * k);
  }

  search(queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams): TopK {
    if (this.disposed) throw new VesperError('INTERNAL', `${this.indexType} index used after dispose()`);
    checkQueries(queries, nq, this.queryWidth(), k);
    const params = opts?.params ?? {};
    this.checkSearchParams(params, k);
    const bounds = rangeBounds(this.metricType, opts);
    const result = emptyTopK(nq, k);
    const n = this.count;
    if (n === 0 || nq === 0) return result;
    const allow = opts?.allow;
    const allowed = allow === undefined ? n : countBelow(allow, n);
    if (allowed === 0) return result;
    this.selectivity = allowed / n;
    const sel = allow !== undefined && this.preferExact(allowed, k) ? rowsBelow(allow, n) : undefined;

    if (bounds === undefined && sel === undefined && nq > 1 && this.searchBatch !== undefined) {
      return this.searchMany(queries, nq, k, params, allow, result);
    }
    const maxK = bounds === undefined ? Math.min(k, n) : n;
    const allowBytes = allow === undefined ? 0 : align(Math.ceil(n / 32) * 4);
    const qBytes = align(this.queryBytes());
    const selBytes = sel === undefined ? 0 : align(sel.length * 4);
    const outBytes = align(maxK * 4);
    const rt = this.rt;
    const block = this.workBlock(allowBytes + qBytes + selBytes + 2 * outBytes);
    {
      const allowPtr = allow === undefined ? 0 : block;
      if (allow !== undefined) {
        const nw = Math.ceil(n / 32);
        const w = allow.words.subarray(0, nw);
        rt.u32().set(w, block >>> 2);
        rt.u32().fill(0, (block >>> 2) + w.length, (block >>> 2) + nw); // the block is reused: clear stale words
      }
      const qPtr = block + allowBytes;
      const selPtr = qPtr + qBytes;
      if (sel !== undefined) rt.i32().set(sel, selPtr >>> 2);
      const out: HitBuffers = { rowsPtr: selPtr + selBytes, distsPtr: selPtr + selBytes + outBytes };
      const run = (kk: number): number =>
        sel === undefined ? this.searchCore(qPtr, kk, params, allowPtr, out) : this.searchRows(qPtr, kk, selPtr, sel.length, out);
      for (let qi = 0; qi < nq; qi++) {
        this.writeQuery(queries, qi, qPtr);
        if (bounds === undefined) {
          this.collect(result, qi, k, run(Math.min(k, n)), out, -Infinity, Infinity);
          continue;
        }
        // range search: widen kk until k hits fall in the window or the window is exhausted
        let kk = Math.min(n, Math.max(k, 16));
        for (;;) {
          const cnt = run(kk);
          const got = this.collect(result, qi, k, cnt, out, bounds.lo, bounds.hi);
          const last = cnt > 0 ? rt.f32()[(out.distsPtr >>> 2) + cnt - 1]! : Infinity;
          if (got >= k || cnt < kk || last >= bounds.hi || kk >= maxK) break;
          kk = Math.min(maxK, kk * 4);
        }
      }
    }
    return result;
  }

  /** Plain top-k through searchBatch, BATCH_QUERIES queries per crossing. */
  private searchMany(
    queries: QueryVectors, nq: number, k: number, params: Readonly<Record<string, unknown>>, allow: Bitset | undefined,
    result: TopK,
  ): TopK {
    const n = this.count;
    const kk = Math.min(k, n);
    const nb = Math.min(nq, BATCH_QUERIES);
    const allowBytes = allow === undefined ? 0 : align(Math.ceil(n / 32) * 4);
    const qBytes = align(this.queryBytes());
    const outBytes = align(kk * 4);
    const rt = this.rt;
    const block = this.workBlock(allowBytes + nb * (qBytes + 2 * outBytes) + align(nb * 4));
    const allowPtr = allow === undefined ? 0 : block;
    if (allow !== undefined) {
      const nw = Math.ceil(n / 32);
      const w = allow.words.subarray(0, nw);
      rt.u32().set(w, block >>> 2);
      rt.u32().fill(0, (block >>> 2) + w.length, (block >>> 2) + nw);
    }
    const qPtr = block + allowBytes;
    const rowsPtr = qPtr + nb * qBytes;
    const distsPtr = rowsPtr + nb * outBytes;
    const countsPtr = distsPtr + nb * outBytes;
    for (let q0 = 0; q0 < nq; q0 += nb) {
      const m = Math.min(nb, nq - q0);
      for (let j = 0; j < m; j++) this.writeQuery(queries, q0 + j, qPtr + j * qBytes);
      this.searchBatch!(qPtr, qBytes, m, kk, allowPtr, { rowsPtr, distsPtr }, outBytes, countsPtr);
      for (let j = 0; j < m; j++) {
        const cnt = rt.i32()[(countsPtr >>> 2) + j]!;
        const out = { rowsPtr: rowsPtr + j * outBytes, distsPtr: distsPtr + j * outBytes };
        this.collect(result, q0 + j, k, cnt, out, -Infinity, Infinity);
      }
    }
    void params;
    return result;
  }

  /** Copies hits inside [lo, hi) into result row qi; returns how many were kept. */
  private collect(result: TopK, qi: number, k: number, cnt: number, out: HitBuffers, lo: number, hi: number): number {
    const f32 = this.rt.f32();
    const i32 = this.rt.i32();
    const r0 = out.rowsPtr >>> 2;
    const d0 = out.distsPtr >>> 2;
    let kept = 0;
    for (let i = 0; i < cnt && kept < k; i++) {
      const d = f32[d0 + i]!;
      if (d < lo || d >= hi) continue;
      (result.rows as Int32Array)[qi * k + kept] = i32[r0 + i]!;
      (result.distances as Float32Array)[qi * k + kept] = toMilvus(this.metricType, d);
      kept++;
    }
    return kept;
  }

  private searchWork = 0;
  private workBytes = 0;

  /** This index's per-search work block (reused: searches are synchronous). */
  private workBlock(bytes: number): number {
    if (bytes > this.workBytes) {
      if (this.searchWork !== 0) this.rt.release(this.searchWork);
      this.workBytes = Math.max(bytes, 2 * this.workBytes, 4096);
      this.searchWork = this.rt.alloc(this.workBytes);
    }
    return this.searchWork;
  }

  /** Bytes of the per-search work block. */
  protected workBlockBytes(): number {
    return this.workBytes;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.searchWork !== 0) this.rt.release(this.searchWork);
    this.searchWork = 0;
    this.freeMemory();
  }
}

/** Allowed rows below n. */
export function countBelow(allow: Bitset, n: number): number {
  if (allow.size <= n) return allow.count();
  let c = 0;
  allow.forEach((i) => {
    if (i < n) c++;
  });
  return c;
}

export function rowsBelow(allow: Bitset, n: number): Int32Array {
  const out: number[] = [];
  allow.forEach((i) => {
    if (i < n) out.push(i);
  });
  return Int32Array.from(out);
}
