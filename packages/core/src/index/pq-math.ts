/**
 * The arithmetic of IVF_PQ around its kernels (ivf-pq-index.ts, pq-scan.ts): row
 * normalization, nearest-centroid assignment through the k-means kernel,
 * and a bounded max-heap of candidates (the re-rank, and the
 * scan's TypeScript path). The distance table and the ADC scan themselves are WASM kernels
 * (kernels/assembly/pq.ts) with scalar twins in kernels/scalar.ts.
 */
import type { getKernels } from '../kernels/loader.ts';
import type { IndexBuildOptions } from './vector-index.ts';
import { assignAll } from './kmeans.ts';

/** Rows copied into WASM per step of `nearest`. */
const NEAREST_CHUNK = 32768;

export function normalize(v: Float32Array): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
}

/**
 * Each of n rows' nearest centroid (squared L2, the k-means kernel), copying the rows into WASM
 * a chunk at a time (a build never holds a second copy of every row there).
 */
export async function nearest(rt: ReturnType<typeof getKernels>, rows: Float32Array, n: number, cents: Float32Array, nc: number, dim: number, opts?: IndexBuildOptions): Promise<Int32Array> {
  const out = new Int32Array(n);
  const chunk = Math.max(1, Math.min(NEAREST_CHUNK, n));
  const xs = rt.alloc(chunk * dim * 4);
  const cp = rt.alloc(Math.max(4, cents.byteLength));
  try {
    rt.f32().set(cents, cp >>> 2);
    for (let at = 0; at < n; at += chunk) {
      const c = Math.min(chunk, n - at);
      rt.f32().set(rows.subarray(at * dim, (at + c) * dim), xs >>> 2);
      out.set(await assignAll(rt, xs, c, cp, nc, dim, opts, 'IVF_PQ'), at);
    }
  } finally {
    rt.release(xs);
    rt.release(cp);
  }
  return out;
}

/** A bounded max-heap keeping the `cap` smallest (distance, id) pairs; ties keep the smaller id. */
export class TopHeap {
  private readonly d: Float64Array;
  private readonly id: Int32Array;
  private size = 0;
  constructor(private readonly cap: number) {
    this.d = new Float64Array(cap);
    this.id = new Int32Array(cap);
  }
  private worse(i: number, j: number): boolean {
    return this.d[i]! > this.d[j]! || (this.d[i] === this.d[j] && this.id[i]! > this.id[j]!);
  }
  private swap(i: number, j: number): void {
    const d = this.d[i]!;
    this.d[i] = this.d[j]!;
    this.d[j] = d;
    const x = this.id[i]!;
    this.id[i] = this.id[j]!;
    this.id[j] = x;
  }
  push(dist: number, id: number): void {
    if (this.cap === 0) return;
    if (this.size < this.cap) {
      let i = this.size++;
      this.d[i] = dist;
      this.id[i] = id;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    if (dist > this.d[0]! || (dist === this.d[0] && id > this.id[0]!)) return;
    this.d[0] = dist;
    this.id[0] = id;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < this.size && this.worse(l, w)) w = l;
      if (r < this.size && this.worse(r, w)) w = r;
      if (w === i) break;
      this.swap(i, w);
      i = w;
    }
  }
  sorted(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.d[i]!, this.id[i]!]);
    return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }
}

// ---------------------------------------------------------------- format
