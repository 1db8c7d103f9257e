/**
 * Phase one of an IVF_PQ search (ivf-pq-index.ts): the `want` best slots by asymmetric
 * (ADC) distance among the `nprobe` posting lists nearest the query — knowhere/faiss's IVFPQ
 * scan. The hot parts it reads (coarse centroids, codebooks transposed for SIMD, u8 codes,
 * slot → row ids) live in WASM memory, owned by this object until `dispose`; one kernel call
 * builds a distance table (kernels/assembly/pq.ts `pqTable`) and one scans a list
 * (`pqScan`, top-k in a WASM heap).
 *
 * `kernel: 'ts'` runs the same steps through the scalar twins (kernels/scalar.ts) instead: the
 * test oracle for the whole scan and the bench's "TypeScript path" row. Both read the same
 * WASM-resident parts, so they differ only in the arithmetic.
 */
import type { Bitset } from '../util/bitset.ts';
import type { MetricType } from '../schema/types.ts';
import { getKernels } from '../kernels/loader.ts';
import type { WasmArena } from '../kernels/wasm-arena.ts';
import { align } from '../kernels/wasm-arena.ts';
import { dotRef, l2sqRef, pqAdcRef, pqTableRef } from '../kernels/scalar.ts';
import { WasmBuffer } from './index-common.ts';
import { TopHeap } from './pq-math.ts';
import { transposeCodebooks } from '../kernels/pq-codebooks.ts';
import { nearestLists } from './ivf-index.ts';

/** Which arithmetic runs the scan: the WASM kernels, or their TypeScript twins. */
export type PqScanKernel = 'wasm' | 'ts';

/** The hot parts of an IVF_PQ file, as read (copied into WASM memory by the scanner). */
export interface PqHotParts {
  readonly nlist: number;
  readonly m: number;
  readonly nbits: number;
  readonly centroids: Float32Array; // nlist × dim
  readonly codebooks: Float32Array; // m × ksub × dsub
  readonly offsets: Int32Array; // nlist + 1
  readonly ids: Int32Array; // slot -> row
  readonly codes: Uint8Array; // count × m, slot order
}

/** One query's scan: slots and their ADC distances (smaller is closer), best first. */
export interface ScanHits {
  readonly slots: Int32Array;
  readonly dist: Float32Array;
}

/** Orders a scan's (slot, distance) pairs best first, ties by slot. */
function bestFirst(slots: Int32Array, dist: Float32Array): ScanHits {
  const order = Array.from(slots.keys()).sort((a, b) => dist[a]! - dist[b]! || slots[a]! - slots[b]!);
  return { slots: Int32Array.from(order, (i) => slots[i]!), dist: Float32Array.from(order, (i) => dist[i]!) };
}

export class PqScanner {
  private readonly rt: WasmArena;
  private readonly ptr: { cents: number; cbt: number; codes: number; ids: number };
  private readonly work: WasmBuffer;
  private readonly nlist: number;
  private readonly m: number;
  private readonly ksub: number;
  /** ksub rounded up to a multiple of 4: the table's row stride in WASM. */
  private readonly kp: number;
  private readonly dsub: number;
  private readonly offsets: Int32Array;
  /** The file-layout codebooks, kept only for the TypeScript path. */
  private readonly codebooks: Float32Array | undefined;
  private readonly hotBytes: number;

  constructor(hot: PqHotParts, private readonly dim: number, private readonly count: number, private readonly metric: MetricType, readonly kernel: PqScanKernel = 'wasm') {
    const rt = (this.rt = getKernels());
    this.nlist = hot.nlist;
    this.m = hot.m;
    this.ksub = 1 << hot.nbits;
    this.kp = Math.ceil(this.ksub / 4) * 4;
    this.dsub = dim / hot.m;
    this.offsets = hot.offsets;
    this.codebooks = kernel === 'ts' ? hot.codebooks : undefined;
    const cbt = transposeCodebooks(hot.codebooks, this.m, this.ksub, this.dsub, this.kp);
    this.ptr = { cents: rt.alloc(hot.centroids.byteLength), cbt: rt.alloc(cbt.byteLength), codes: rt.alloc(hot.codes.byteLength), ids: rt.alloc(hot.ids.byteLength) };
    rt.f32().set(hot.centroids, this.ptr.cents >>> 2);
    rt.f32().set(cbt, this.ptr.cbt >>> 2);
    rt.u8().set(hot.codes, this.ptr.codes);
    rt.i32().set(hot.ids, this.ptr.ids >>> 2);
    this.hotBytes = align(hot.centroids.byteLength) + align(cbt.byteLength) + align(hot.codes.byteLength) + align(hot.ids.byteLength);
    this.work = new WasmBuffer(rt);
  }

  /** WASM bytes held for the hot parts (the work buffer is scratch). */
  get bytesUsed(): number {
    return this.hotBytes + this.work.bytes + (this.codebooks?.byteLength ?? 0);
  }

  /**
   * For each query (prepared: float, normalized for COSINE), its `want` best slots with their
   * ADC distances, best first (ties: the smaller slot).
   */
  scan(queries: readonly Float32Array[], nprobe: number, want: number, allow: Bitset | undefined): ScanHits[] {
    return this.kernel === 'ts' ? queries.map((q) => this.scanTs(q, nprobe, want, allow)) : this.scanWasm(queries, nprobe, want, allow);
  }

  private scanWasm(queries: readonly Float32Array[], nprobe: number, want: number, allow: Bitset | undefined): ScanHits[] {
    const rt = this.rt;
    const { dim, nlist, m, kp, dsub } = this;
    // work layout: allow words | query | centroid distances | table | heap
    const allowBytes = allow === undefined ? 0 : align(allow.words.byteLength);
    const qOff = allowBytes;
    const cdOff = qOff + align(dim * 4);
    const tOff = cdOff + align(nlist * 4);
    const hOff = tOff + align(m * kp * 4);
    const base = this.work.ensure(hOff + (want + 1) * 8);
    const allowPtr = allow === undefined ? 0 : rt.writeBitset(base, allow.words);
    const qPtr = base + qOff;
    const cdPtr = base + cdOff;
    const table = base + tOff;
    const heap = base + hOff;
    const l2 = this.metric === 'L2';
    const out: ScanHits[] = [];
    for (const q of queries) {
      rt.f32().set(q, qPtr >>> 2);
      rt.k.batchF32(0, qPtr, this.ptr.cents, nlist, dim, cdPtr);
      const probes = nearestLists(rt.f32().subarray(cdPtr >>> 2, (cdPtr >>> 2) + nlist), nprobe);
      if (!l2) rt.k.pqTable(1, qPtr, 0, this.ptr.cbt, m, kp, dsub, table);
      let size = 0;
      for (const l of probes) {
        const cent = this.ptr.cents + l * dim * 4;
        let bias = 0;
        if (l2) rt.k.pqTable(0, qPtr, cent, this.ptr.cbt, m, kp, dsub, table);
        else bias = -rt.k.dot(qPtr, cent, dim);
        const s = this.offsets[l]!;
        size = rt.k.pqScan(table, m, kp, this.ptr.codes, s, this.offsets[l + 1]! - s, this.ptr.ids, allowPtr, bias, heap, want, size);
      }
      // heap entries are (f32 distance, i32 slot) pairs
      const i32 = rt.i32();
      const f32 = rt.f32();
      const slots = new Int32Array(size);
      const dist = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        dist[i] = f32[(heap >>> 2) + 2 * i]!;
        slots[i] = i32[(heap >>> 2) + 2 * i + 1]!;
      }
      out.push(bestFirst(slots, dist));
    }
    return out;
  }

  /** The same scan through the scalar twins (reads the WASM-resident centroids, codes and ids). */
  private scanTs(q: Float32Array, nprobe: number, want: number, allow: Bitset | undefined): ScanHits {
    const { dim, nlist, m, ksub, dsub } = this;
    const cents = this.rt.f32().subarray(this.ptr.cents >>> 2, (this.ptr.cents >>> 2) + nlist * dim);
    const codes = this.rt.u8().subarray(this.ptr.codes, this.ptr.codes + this.count * m);
    const ids = this.rt.i32().subarray(this.ptr.ids >>> 2, (this.ptr.ids >>> 2) + this.count);
    const cb = this.codebooks!;
    const cd = new Float32Array(nlist);
    for (let l = 0; l < nlist; l++) cd[l] = l2sqRef(q, cents.subarray(l * dim, (l + 1) * dim));
    const l2 = this.metric === 'L2';
    let table = l2 ? undefined : pqTableRef(1, q, undefined, cb, m, ksub, dsub);
    const heap = new TopHeap(want);
    for (const l of nearestLists(cd, nprobe)) {
      const cent = cents.subarray(l * dim, (l + 1) * dim);
      let bias = 0;
      if (l2) table = pqTableRef(0, q, cent, cb, m, ksub, dsub);
      else bias = -dotRef(q, cent);
      for (let s = this.offsets[l]!, e = this.offsets[l + 1]!; s < e; s++) {
        if (allow !== undefined && !allow.get(ids[s]!)) continue;
        heap.push(pqAdcRef(table!, m, ksub, codes, s, bias), s);
      }
    }
    const hits = heap.sorted();
    return { slots: Int32Array.from(hits, ([, s]) => s), dist: Float32Array.from(hits, ([d]) => d) };
  }

  dispose(): void {
    for (const p of Object.values(this.ptr)) this.rt.release(p);
    this.work.free();
  }
}
