/**
 * Shared pieces of the ANN benchmarks (suites vectors and client): datasets with exact ground
 * truth, the ef/nprobe sweep that finds the best QPS reaching each recall target, and
 * hnswlib-node as the native reference. A sweep point is the best of REPS timed passes over
 * all queries (noise on a shared machine only ever slows a pass).
 */
import { statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { exactSearch } from '../../packages/core/src/index/index.ts';
import { clustered, recall } from '../../test/indexes/fixtures.ts';

export interface Dataset { name: string; n: number; dim: number; metric: MetricType; base: Float32Array; queries: Float32Array; nq: number; truth: Int32Array }
export interface Row { system: string; config: string; buildRate: number; bytesPerVec: number; qps: Record<number, number>; sweep: string }
/** One query per call; `search` may be async (the client path), the sweep awaits only promises. */
export interface Searcher { search(q: Float32Array, qi: number): Int32Array | number[] | Promise<Int32Array | number[]>; setEf(ef: number): void; bytes: number; dispose?(): void }

export const K = 10;
export const TARGETS = [0.9, 0.95, 0.99];
export const EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
export const NPROBES = [1, 2, 4, 8, 16, 32, 64];
export const REPS = 3;

export function withTruth(d: Dataset): Dataset {
  const col: FloatVectorColumn = { type: DataType.FloatVector, length: d.n, dim: d.dim, data: d.base };
  return { ...d, truth: exactSearch(col, d.metric, d.queries, d.nq, K).rows as Int32Array };
}

/** A seeded clustered set (50 clusters of rank 32) with 200 held-out queries. */
export function generated(n: number, dim: number, seed: number): Dataset {
  const nq = 200;
  const all = clustered(seed, n + nq, dim, { clusters: 50, rank: 32, noise: 0.05 });
  return withTruth({ name: `clustered-${Math.round(n / 1000)}k×${dim}`, n, dim, metric: 'L2', base: all.subarray(0, n * dim), queries: all.slice(n * dim), nq, truth: new Int32Array(0) });
}

/** Runs the sweep; returns best QPS per recall target and a compact sweep string. */
export async function sweep(d: Dataset, s: Searcher, knobs: number[]): Promise<{ qps: Record<number, number>; sweep: string }> {
  const qps: Record<number, number> = {};
  const parts: string[] = [];
  const one = async (qi: number): Promise<Int32Array | number[]> => {
    const r = s.search(d.queries, qi);
    return r instanceof Promise ? await r : r;
  };
  for (const ef of knobs) {
    s.setEf(ef);
    const rows = new Int32Array(d.nq * K).fill(-1);
    await one(0); // warm-up
    let q = 0;
    for (let rep = 0; rep < REPS; rep++) {
      const t0 = performance.now();
      for (let qi = 0; qi < d.nq; qi++) {
        const r = await one(qi);
        for (let i = 0; i < Math.min(K, r.length); i++) rows[qi * K + i] = r[i]!;
      }
      q = Math.max(q, (d.nq / (performance.now() - t0)) * 1000);
    }
    const rc = recall(rows, d.truth, d.nq, K);
    parts.push(`${ef}:${rc.toFixed(3)}@${Math.round(q)}`);
    for (const t of TARGETS) if (rc >= t) qps[t] = Math.max(qps[t] ?? 0, q);
    if (rc >= 0.999) break;
  }
  return { qps, sweep: parts.join(' ') };
}

interface HnswNode { initIndex(n: number, m?: number, efc?: number, seed?: number): void; addPoint(p: number[], l: number): void; setEf(ef: number): void; searchKnn(q: number[], k: number): { neighbors: number[] }; writeIndexSync(f: string): void }

/** hnswlib-node (native C++ hnswlib) at the given M / efConstruction: the reference. */
export async function hnswlibNode(d: Dataset, m: number, efc: number): Promise<Row> {
  const mod = (await import('hnswlib-node')) as unknown as { default: { HierarchicalNSW: new (s: string, dim: number) => HnswNode } };
  const space = d.metric === 'L2' ? 'l2' : d.metric === 'IP' ? 'ip' : 'cosine';
  const idx = new mod.default.HierarchicalNSW(space, d.dim);
  idx.initIndex(d.n, m, efc, 100);
  const rows = Array.from({ length: d.n }, (_, i) => Array.from(d.base.subarray(i * d.dim, (i + 1) * d.dim)));
  const t0 = performance.now();
  for (let i = 0; i < d.n; i++) idx.addPoint(rows[i]!, i);
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  const file = join(tmpdir(), `vesper-bench-${process.pid}.hnsw`);
  idx.writeIndexSync(file);
  const bytes = statSync(file).size;
  rmSync(file);
  const qs = Array.from({ length: d.nq }, (_, i) => Array.from(d.queries.subarray(i * d.dim, (i + 1) * d.dim)));
  const r = await sweep(d, { search: (_q, qi) => idx.searchKnn(qs[qi]!, K).neighbors, setEf: (ef) => idx.setEf(ef), bytes }, EFS);
  return { system: 'hnswlib-node', config: `{"M":${m},"efConstruction":${efc}}`, buildRate, bytesPerVec: bytes / d.n, ...r };
}

export const fmt = (x: number | undefined, digits = 0): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits }));
export const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '—' : `${(a / b).toFixed(2)}×`);
