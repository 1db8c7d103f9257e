/**
 * Every WASM kernel against its scalar twin (scalar.ts) across dims 1..2048, including
 * non-multiples of 4 and 8. Tolerance: relative error ≤ 1e-5, measured against the scale of
 * the sum (Σ|a_i b_i|) for sums whose terms can cancel (dot, SQ8 dot).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Random, testSeed } from '../util/random.ts';
import type { WasmArena } from './wasm-arena.ts';
import { loadTestKernels } from './test-kernels.ts';
import * as ref from './scalar.ts';
import { transposeCodebooks } from './pq-codebooks.ts';

const seed = testSeed(process.env.VESPER_SEED);
let rt: WasmArena;
// The same suite runs in Node (bytes from disk) and in Chromium (streaming from a URL).
beforeAll(async () => {
  rt = await loadTestKernels();
});

const DIMS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 100, 127, 128, 129, 255, 384, 511, 768, 1000, 1023, 1536, 2047, 2048];

function randF32(r: Random, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.gaussian();
  return a;
}

function close(w: number, t: number, scale: number, msg: string): void {
  const err = Math.abs(w - t) / Math.max(Math.abs(t), scale, 1e-30);
  expect(err, `${msg} wasm=${w} ts=${t} seed=${seed}`).toBeLessThanOrEqual(1e-5);
}

describe(`kernels vs scalar twins (seed ${seed})`, () => {
  it('float L2, IP, COSINE, normalize', () => {
    const r = new Random(seed);
    for (const dim of DIMS) {
      const a = randF32(r, dim);
      const b = randF32(r, dim);
      const pa = rt.alloc(dim * 4);
      const pb = rt.alloc(dim * 4);
      rt.write(pa, a);
      rt.write(pb, b);
      let absDot = 0;
      for (let i = 0; i < dim; i++) absDot += Math.abs(a[i]! * b[i]!);
      close(rt.k.l2sq(pa, pb, dim), ref.l2sqRef(a, b), 0, `l2 dim=${dim}`);
      close(rt.k.dot(pa, pb, dim), ref.dotRef(a, b), absDot, `dot dim=${dim}`);
      const na = Math.sqrt(ref.dotRef(a, a) * ref.dotRef(b, b));
      close(rt.k.cosine(pa, pb, dim), ref.cosineRef(a, b), absDot / na, `cosine dim=${dim}`);
      rt.k.normalize(pa, dim);
      ref.normalizeRef(a);
      const got = rt.f32().subarray(pa / 4, pa / 4 + dim);
      for (let i = 0; i < dim; i++) close(got[i]!, a[i]!, 1e-6, `normalize dim=${dim} i=${i}`);
      rt.release(pa);
      rt.release(pb);
    }
  });

  it('binary HAMMING and JACCARD', () => {
    const r = new Random(seed + 1);
    for (const bytes of [1, 2, 3, 7, 8, 9, 16, 31, 64, 65, 128, 256]) {
      const a = new Uint8Array(bytes).map(() => r.int(256));
      const b = new Uint8Array(bytes).map(() => (r.bool(0.3) ? a[0]! : r.int(256)));
      const pa = rt.alloc(bytes);
      const pb = rt.alloc(bytes);
      rt.write(pa, a);
      rt.write(pb, b);
      expect(rt.k.hamming(pa, pb, bytes), `hamming bytes=${bytes} seed=${seed}`).toBe(ref.hammingRef(a, b));
      close(rt.k.jaccard(pa, pb, bytes), ref.jaccardRef(a, b), 0, `jaccard bytes=${bytes}`);
      rt.u8().fill(0, pa, pa + bytes);
      rt.u8().fill(0, pb, pb + bytes);
      expect(rt.k.jaccard(pa, pb, bytes)).toBe(0);
      rt.release(pa);
      rt.release(pb);
    }
  });

  it('int8 dot/L2 and SQ8 dot/L2', () => {
    const r = new Random(seed + 2);
    for (const dim of DIMS) {
      const a = new Int8Array(dim).map(() => r.range(-128, 127));
      const b = new Int8Array(dim).map(() => r.range(-128, 127));
      const codes = new Uint8Array(dim).map(() => r.int(256));
      const qp = randF32(r, dim).map((x) => x * 50 + 128);
      const w = randF32(r, dim).map((x) => Math.abs(x) * 1e-3);
      const pa = rt.alloc(dim);
      const pb = rt.alloc(dim);
      const pc = rt.alloc(dim);
      const pq = rt.alloc(dim * 4);
      const pw = rt.alloc(dim * 4);
      rt.write(pa, a);
      rt.write(pb, b);
      rt.write(pc, codes);
      rt.write(pq, qp);
      rt.write(pw, w);
      expect(rt.k.i8dot(pa, pb, dim), `i8dot dim=${dim} seed=${seed}`).toBe(ref.i8dotRef(a, b));
      expect(rt.k.i8l2(pa, pb, dim), `i8l2 dim=${dim} seed=${seed}`).toBe(ref.i8l2Ref(a, b));
      close(rt.k.sq8l2(pq, pw, pc, dim), ref.sq8l2Ref(qp, w, codes), 0, `sq8l2 dim=${dim}`);
      let abs = 0;
      for (let i = 0; i < dim; i++) abs += Math.abs(qp[i]! * codes[i]!);
      close(rt.k.sq8dot(pq, pc, dim), ref.sq8dotRef(qp, codes), abs, `sq8dot dim=${dim}`);
      for (const p of [pa, pb, pc, pq, pw]) rt.release(p);
    }
  });

  it('SQ8 integer L2 (HNSW_SQ traversal) incl. extreme query codes and dims past one 1024 block', () => {
    const r = new Random(seed + 7);
    for (const dim of [...DIMS, 1025, 3000, 4096]) {
      const codes = new Uint8Array(dim);
      const qc = new Int16Array(dim);
      for (let i = 0; i < dim; i++) {
        codes[i] = Math.floor(r.next() * 256);
        // a fifth of the query codes at the clamp limits (largest differences the kernel sees)
        qc[i] = r.next() < 0.2 ? (r.next() < 0.5 ? -256 : 511) : Math.floor(r.next() * 768) - 256;
      }
      const pc = rt.alloc(dim);
      const pq = rt.alloc(dim * 2);
      rt.write(pc, codes);
      rt.write(pq, qc);
      close(rt.k.sq8l2i(pq, pc, dim), ref.sq8l2iRef(qc, codes), 0, `sq8l2i dim=${dim}`);
      rt.release(pc);
      rt.release(pq);
    }
  });

  it('batch forms equal the single kernels', () => {
    const r = new Random(seed + 3);
    for (const dim of [3, 16, 129]) {
      const n = 37;
      const nq = 3;
      const rows = randF32(r, n * dim);
      const qs = randF32(r, nq * dim);
      const pr = rt.alloc(rows.byteLength);
      const pq = rt.alloc(qs.byteLength);
      const out = rt.alloc(nq * n * 4);
      rt.write(pr, rows);
      rt.write(pq, qs);
      for (const metric of [0, 1, 2]) {
        rt.k.batchManyF32(metric, pq, nq, pr, n, dim, out);
        const got = rt.f32().slice(out / 4, out / 4 + nq * n);
        for (let j = 0; j < nq; j++) {
          const q = qs.subarray(j * dim, (j + 1) * dim);
          for (let i = 0; i < n; i++) {
            const row = rows.subarray(i * dim, (i + 1) * dim);
            const want = metric === 0 ? ref.l2sqRef(q, row) : metric === 1 ? ref.dotRef(q, row) : ref.cosineRef(q, row);
            expect(Math.abs(got[j * n + i]! - want), `metric=${metric} dim=${dim} seed=${seed}`).toBeLessThan(1e-4 * dim);
          }
        }
      }
      for (const p of [pr, pq, out]) rt.release(p);
    }
  });

  it('query-blocked top-k equals the scalar top-k twin', () => {
    const r = new Random(seed + 4);
    for (const dim of [1, 3, 4, 7, 16, 33, 128, 129, 384, 1000, 2048]) {
      const n = dim >= 1000 ? 70 : 301;
      const k = 7;
      for (const nq of [1, 3, 4, 9]) {
        const rows = randF32(r, n * dim);
        const qs = randF32(r, nq * dim);
        const qstride = Math.ceil((dim * 4) / 16) * 16;
        const pr = rt.alloc(rows.byteLength);
        const pq = rt.alloc(nq * qstride);
        const heaps = rt.alloc(nq * k * 8);
        const sizes = rt.alloc(nq * 4);
        const allowPtr = rt.alloc(Math.ceil(n / 32) * 4);
        rt.write(pr, rows);
        for (let j = 0; j < nq; j++) rt.f32().set(qs.subarray(j * dim, (j + 1) * dim), (pq + j * qstride) / 4);
        for (let w = 0; w < Math.ceil(n / 32); w++) rt.u32()[allowPtr / 4 + w] = 0xb6db6db6;
        const keep = (i: number): boolean => ((0xb6db6db6 >>> (i & 31)) & 1) === 1;
        for (const metric of [0, 1]) {
          for (const filtered of [false, true]) {
            rt.i32().fill(0, sizes / 4, sizes / 4 + nq);
            rt.k.scanTopkManyF32(metric, pq, qstride, nq, pr, dim, n, filtered ? allowPtr : 0, heaps, k, sizes);
            const want = ref.topkF32Ref(metric, qs, nq, rows, n, dim, k, filtered ? keep : undefined);
            for (let j = 0; j < nq; j++) {
              const size = rt.i32()[sizes / 4 + j]!;
              expect(size, `size dim=${dim} nq=${nq}`).toBe(want[j]!.rows.length);
              rt.k.maxDrainSorted(heaps + j * k * 8, size);
              let scale = 0;
              for (let i = 0; i < dim; i++) scale += Math.abs(qs[j * dim + i]! * rows[i]!);
              for (let i = 0; i < size; i++) {
                const d = rt.f32()[(heaps + j * k * 8) / 4 + 2 * i]!;
                close(d, want[j]!.dists[i]!, metric === 0 ? 0 : scale, `metric=${metric} dim=${dim} nq=${nq} q=${j} i=${i}`);
                const row = rt.i32()[(heaps + j * k * 8) / 4 + 2 * i + 1]!;
                if (row !== want[j]!.rows[i]) {
                  // a tie (equal distance at this rank, the k-th one included): the row the kernel
                  // chose must be allowed and lie at the distance it reported
                  if (filtered) expect(keep(row), `tie row ${row} is filtered out seed=${seed}`).toBe(true);
                  const q = qs.subarray(j * dim, (j + 1) * dim);
                  const r = rows.subarray(row * dim, (row + 1) * dim);
                  close(d, metric === 0 ? ref.l2sqRef(q, r) : -ref.dotRef(q, r), metric === 0 ? 0 : scale, `tie row ${row}`);
                }
              }
            }
          }
        }
        for (const p of [pr, pq, heaps, sizes, allowPtr]) rt.release(p);
      }
    }
  });

  it('binary top-k (any slot order, ids, allow) and HAMMING assignment equal their scalar twins', () => {
    const r = new Random(seed + 6);
    for (const nbytes of [1, 3, 8, 16, 17]) {
      const n = 300;
      // few distinct bytes: HAMMING distances tie a lot, which is what the (distance, row) order is for
      const rows = new Uint8Array(n * nbytes).map(() => r.pick([0, 1, 3, 0x80, 0xff]));
      const q = new Uint8Array(nbytes).map(() => r.int(256));
      // slots hold the rows in a shuffled order; ids maps slot -> row
      const ids = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = r.int(i + 1);
        [ids[i], ids[j]] = [ids[j]!, ids[i]!];
      }
      const slots = new Uint8Array(n * nbytes);
      for (let s = 0; s < n; s++) slots.set(rows.subarray(ids[s]! * nbytes, ids[s]! * nbytes + nbytes), s * nbytes);
      const k = 9;
      const pRows = rt.alloc(rows.byteLength);
      const pSlots = rt.alloc(slots.byteLength);
      const pIds = rt.alloc(n * 4);
      const pq = rt.alloc(nbytes);
      const heap = rt.alloc(k * 8);
      const allowPtr = rt.alloc(Math.ceil(n / 32) * 4);
      rt.u8().set(rows, pRows);
      rt.u8().set(slots, pSlots);
      rt.i32().set(ids, pIds / 4);
      rt.u8().set(q, pq);
      for (let w = 0; w < Math.ceil(n / 32); w++) rt.u32()[allowPtr / 4 + w] = 0x9249b6db;
      const keep = (i: number): boolean => ((0x9249b6db >>> (i & 31)) & 1) === 1;
      const drained = (size: number): { rows: number[]; dists: number[] } => {
        rt.k.maxDrainSortedLex(heap, size);
        const h = rt.f32().subarray(heap / 4, heap / 4 + 2 * size);
        const hi = rt.i32().subarray(heap / 4, heap / 4 + 2 * size);
        return { rows: Array.from({ length: size }, (_, i) => hi[2 * i + 1]!), dists: Array.from({ length: size }, (_, i) => h[2 * i]!) };
      };
      for (const metric of [0, 1]) {
        for (const filtered of [false, true]) {
          const want = ref.topkBinRef(metric, q, rows, n, nbytes, k, filtered ? keep : undefined);
          const allow = filtered ? allowPtr : 0;
          const flat = drained(rt.k.scanTopkBin(metric, pq, pRows, nbytes, 0, n, 0, allow, heap, k, 0));
          expect(flat, `flat nbytes=${nbytes} metric=${metric} filtered=${filtered} seed=${seed}`).toEqual(want);
          // the shuffled slots, scanned in three pieces, give the same rows in the same order
          let size = 0;
          for (const [s, c] of [[200, 100], [0, 77], [77, 123]] as const) size = rt.k.scanTopkBin(metric, pq, pSlots, nbytes, s, c, pIds, allow, heap, k, size);
          expect(drained(size), `slots nbytes=${nbytes} metric=${metric} filtered=${filtered} seed=${seed}`).toEqual(want);
        }
      }
      // assignment: the first 7 rows as centroids, ties to the lower centroid
      const nc = 7;
      const outIdx = rt.alloc(n * 4);
      const outDist = rt.alloc(n * 4);
      rt.k.assignNearestBin(pRows, n, pRows, nc, nbytes, outIdx, outDist);
      for (let i = 0; i < n; i++) {
        const x = rows.subarray(i * nbytes, (i + 1) * nbytes);
        let best = Infinity;
        let bi = 0;
        for (let c = 0; c < nc; c++) {
          const d = ref.hammingRef(x, rows.subarray(c * nbytes, (c + 1) * nbytes));
          if (d < best) [best, bi] = [d, c];
        }
        expect([rt.i32()[outIdx / 4 + i], rt.f32()[outDist / 4 + i]], `assign row ${i} nbytes=${nbytes} seed=${seed}`).toEqual([bi, best]);
      }
      for (const p of [pRows, pSlots, pIds, pq, heap, allowPtr, outIdx, outDist]) rt.release(p);
    }
  });

  it('PQ distance table and ADC top-k scan equal their scalar twins', () => {
    const r = new Random(seed + 5);
    // (dim, m, nbits): dsub 1..8 and odd, ksub 2 (padded to 4), 16, 256, m not a multiple of 4
    const shapes: [number, number, number][] = [[8, 8, 8], [16, 4, 8], [12, 3, 4], [30, 10, 8], [7, 7, 1], [64, 16, 8], [128, 32, 8], [40, 5, 2], [96, 24, 6]];
    for (const [dim, m, nbits] of shapes) {
      const ksub = 1 << nbits;
      const kp = Math.ceil(ksub / 4) * 4;
      const dsub = dim / m;
      const n = 257;
      const cb = randF32(r, m * ksub * dsub);
      const q = randF32(r, dim);
      const cent = randF32(r, dim);
      const codes = new Uint8Array(n * m).map(() => r.int(ksub));
      const ids = Int32Array.from({ length: n }, (_, i) => (i * 7) % n); // a permutation: slot -> row
      const cbt = transposeCodebooks(cb, m, ksub, dsub, kp);
      const pcb = rt.alloc(cbt.byteLength);
      const pq = rt.alloc(dim * 4);
      const pc = rt.alloc(dim * 4);
      const pt = rt.alloc(m * kp * 4);
      const pcodes = rt.alloc(n * m);
      const pids = rt.alloc(n * 4);
      const k = 9;
      const heap = rt.alloc((k + 1) * 8);
      const allowPtr = rt.alloc(Math.ceil(n / 32) * 4);
      rt.write(pcb, cbt);
      rt.write(pq, q);
      rt.write(pc, cent);
      rt.write(pcodes, codes);
      rt.write(pids, ids);
      for (let w = 0; w < Math.ceil(n / 32); w++) rt.u32()[allowPtr / 4 + w] = 0x5ad3c96b;
      const keep = (row: number): boolean => ((0x5ad3c96b >>> (row & 31)) & 1) === 1;
      for (const metric of [0, 1]) {
        for (const withCent of metric === 0 ? [false, true] : [false]) {
          const want = ref.pqTableRef(metric, q, withCent ? cent : undefined, cb, m, ksub, dsub);
          rt.k.pqTable(metric, pq, withCent ? pc : 0, pcb, m, kp, dsub, pt);
          const got = rt.f32().slice(pt / 4, pt / 4 + m * kp);
          for (let j = 0; j < m; j++) {
            for (let c = 0; c < ksub; c++) {
              // the scale of the terms that can cancel: q·codeword (IP), (|q| + |cent| + |codeword|)² (L2 of a residual)
              let scale = 0;
              for (let d = 0; d < dsub; d++) {
                const i = j * dsub + d;
                const w = Math.abs(cb[(j * ksub + c) * dsub + d]!);
                scale += metric === 0 ? (Math.abs(q[i]!) + (withCent ? Math.abs(cent[i]!) : 0) + w) ** 2 : Math.abs(q[i]!) * w;
              }
              close(got[j * kp + c]!, want[j * ksub + c]!, scale, `pqTable metric=${metric} dim=${dim} m=${m} nbits=${nbits} j=${j} c=${c}`);
            }
          }
          for (const filtered of [false, true]) {
            const bias = metric === 0 ? 0 : -0.25;
            // two calls over [0, 100) and [100, n): the heap carries over like a scan of two posting lists
            let size = rt.k.pqScan(pt, m, kp, pcodes, 0, 100, pids, filtered ? allowPtr : 0, bias, heap, k, 0);
            size = rt.k.pqScan(pt, m, kp, pcodes, 100, n - 100, pids, filtered ? allowPtr : 0, bias, heap, k, size);
            const all: [number, number][] = [];
            for (let s = 0; s < n; s++) if (!filtered || keep(ids[s]!)) all.push([ref.pqAdcRef(want, m, ksub, codes, s, bias), s]);
            all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
            expect(size, `pqScan size dim=${dim} m=${m} filtered=${filtered}`).toBe(Math.min(k, all.length));
            rt.k.maxDrainSorted(heap, size);
            const spread = Math.abs(all[all.length - 1]![0]) + Math.abs(all[0]![0]);
            for (let i = 0; i < size; i++) {
              const d = rt.f32()[heap / 4 + 2 * i]!;
              const slot = rt.i32()[heap / 4 + 2 * i + 1]!;
              close(d, all[i]![0], spread, `pqScan metric=${metric} dim=${dim} m=${m} nbits=${nbits} filtered=${filtered} i=${i}`);
              // the slot's own twin distance equals the kernel's (a near-tie may swap two slots)
              close(d, ref.pqAdcRef(want, m, ksub, codes, slot, bias), spread, `pqScan slot ${slot} dim=${dim}`);
              if (filtered) expect(keep(ids[slot]!), `pqScan returned a filtered-out row (slot ${slot})`).toBe(true);
            }
          }
        }
      }
      for (const p of [pcb, pq, pc, pt, pcodes, pids, heap, allowPtr]) rt.release(p);
    }
  });

  it('pqEncode: nearest codeword per sub-space of each row (or its residual) vs pqEncodeRef', () => {
    const r = new Random(seed + 17);
    const shapes: [number, number, number][] = [[8, 8, 8], [16, 4, 8], [12, 3, 4], [7, 7, 1], [128, 32, 8], [40, 5, 2], [96, 24, 6]];
    for (const [dim, m, nbits] of shapes) {
      const ksub = 1 << nbits;
      const kp = Math.ceil(ksub / 4) * 4;
      const dsub = dim / m;
      const n = 37;
      const nc = 3;
      const cb = randF32(r, m * ksub * dsub);
      const rows = randF32(r, n * dim);
      const cents = randF32(r, nc * dim);
      const assign = Int32Array.from({ length: n }, () => r.int(nc));
      const cbt = transposeCodebooks(cb, m, ksub, dsub, kp);
      const [pcb, px, pc, pa, pt, pcodes] = [cbt.byteLength, rows.byteLength, cents.byteLength, assign.byteLength, dim * 4, n * m].map((b) => rt.alloc(b));
      rt.write(pcb!, cbt);
      rt.write(px!, rows);
      rt.write(pc!, cents);
      rt.write(pa!, assign);
      for (const withCent of [false, true]) {
        rt.k.pqEncode(px!, n, dim, withCent ? pc! : 0, withCent ? pa! : 0, pcb!, m, kp, dsub, ksub, pt!, pcodes!);
        const got = rt.u8().slice(pcodes!, pcodes! + n * m);
        for (let i = 0; i < n; i++) {
          const row = rows.subarray(i * dim, (i + 1) * dim);
          const cent = withCent ? cents.subarray(assign[i]! * dim, (assign[i]! + 1) * dim) : undefined;
          const want = ref.pqEncodeRef(row, cent, cb, m, ksub, dsub);
          const table = ref.pqTableRef(0, row, cent, cb, m, ksub, dsub);
          for (let j = 0; j < m; j++) {
            const g = got[i * m + j]!;
            expect(g, `pqEncode code in range dim=${dim} m=${m} seed=${seed}`).toBeLessThan(ksub);
            // a near-tie may pick the other codeword: the kernel's pick is as near as the twin's
            close(table[j * ksub + g]!, table[j * ksub + want[j]!]!, 1, `pqEncode dim=${dim} m=${m} nbits=${nbits} cent=${withCent} row=${i} j=${j}`);
          }
        }
      }
      for (const p of [pcb, px, pc, pa, pt, pcodes]) rt.release(p!);
    }
  });

  it('arena: alloc/free reuse, zeroing, and the 4 GiB limit as a coded error', () => {
    const a = rt.alloc(1000);
    rt.u8().fill(7, a, a + 1000);
    rt.release(a);
    const b = rt.alloc(1000);
    expect(rt.u8()[b]).toBe(0);
    rt.release(b);
    expect(() => rt.alloc(5 * 2 ** 30)).toThrow(expect.objectContaining({ error: 'RESOURCE_EXHAUSTED' }));
  });
});
