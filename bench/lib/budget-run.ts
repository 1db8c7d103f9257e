/**
 * The memory-budget run of issue 17, shared by its Chromium page (bench/suites/browser.ts,
 * `--only=budget`) and its Node twin (bench/suites/budget.ts, bench/lib/budget-child.ts): N×128
 * clustered float vectors (the vectors suite's generator) in an IVF_PQ collection sealed into
 * the default 100k-row segments, built with progress, then reopened under `memoryBudget` and
 * searched one query at a time against exact top-10 (recall@10, p50/p99, bytes read by range
 * per query from the block cache's counters). Runtime-neutral: the page and Node import it.
 */
import { DataType, type VesperClient } from '../../packages/core/src/index.ts';
import { clustered, recall } from '../../test/indexes/fixtures.ts';

export const DIM = 128;
/** Queries per pass; each search setting gets its own group of NQ (queries it has not seen). */
export const NQ = 50;
export const K = 10;
export const COLLECTION = 'budget';
/** Per sealed segment of (by default) 100k rows: ~390 rows a list, 4-d sub-vectors. */
export const INDEX_PARAMS = { nlist: 256, m: 32, nbits: 8 } as const;
export const SEARCH_PARAMS = { nprobe: 16, refine_k: 4 } as const;
/** Search settings of the warm passes: the first is also the cold pass's. */
export const SWEEP: readonly { readonly nprobe: number; readonly refine_k: number }[] = [SEARCH_PARAMS, { nprobe: 8, refine_k: 2 }, { nprobe: 4, refine_k: 2 }];
const BATCH = 5000;

/** The seeded set: n base rows and NQ held-out queries per SWEEP setting. */
export function budgetSet(n: number, seed: number): { base: Float32Array; queries: Float32Array } {
  const all = clustered(seed, n + NQ * SWEEP.length, DIM, { clusters: 50, rank: 32, noise: 0.05 });
  return { base: all.subarray(0, n * DIM), queries: all.slice(n * DIM) };
}

/** Exact top-K rows of each query by squared L2 (rows outer, so each row is read once). */
export function exactTopK(base: Float32Array, n: number, queries: Float32Array): Int32Array {
  const nq = queries.length / DIM;
  const best = new Float64Array(nq * K).fill(Infinity);
  const rows = new Int32Array(nq * K).fill(-1);
  for (let i = 0; i < n; i++) {
    const o = i * DIM;
    for (let q = 0; q < nq; q++) {
      const qo = q * DIM;
      const at = q * K;
      const worst = best[at + K - 1]!;
      let d = 0;
      for (let j = 0; j < DIM && d < worst; j++) {
        const x = base[o + j]! - queries[qo + j]!;
        d += x * x;
      }
      if (d >= worst) continue;
      // insertion into the sorted top-K (ties keep the smaller row: rows arrive in order)
      let p = K - 1;
      while (p > 0 && best[at + p - 1]! > d) {
        best[at + p] = best[at + p - 1]!;
        rows[at + p] = rows[at + p - 1]!;
        p--;
      }
      best[at + p] = d;
      rows[at + p] = i;
    }
  }
  return rows;
}

export interface BuildReport {
  readonly insertMs: number;
  /** From the flush to every segment indexed. */
  readonly indexMs: number;
  readonly totalMs: number;
}

/** Creates the collection with its IVF_PQ index, inserts `base` in batches, flushes, and waits for every segment's index. */
export async function buildBudgetCollection(db: VesperClient, base: Float32Array, n: number, log: (msg: string) => void): Promise<BuildReport> {
  const t0 = performance.now();
  await db.createCollection({
    collection_name: COLLECTION,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
    ],
    index_params: [{ field_name: 'vector', index_type: 'IVF_PQ', metric_type: 'L2', params: INDEX_PARAMS }],
  });
  let shown = 0;
  for (let s = 0; s < n; s += BATCH) {
    const rows = [];
    for (let i = s; i < Math.min(n, s + BATCH); i++) rows.push({ id: i, vector: base.slice(i * DIM, (i + 1) * DIM) });
    await db.insert({ collection_name: COLLECTION, data: rows });
    if (s + BATCH - shown >= n / 10) {
      shown = s + BATCH;
      log(`inserted ${Math.min(n, s + BATCH)} of ${n} rows (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  const t1 = performance.now();
  await db.flush({ collection_names: [COLLECTION] });
  let last = -1;
  for (;;) {
    const d = (await db.describeIndex({ collection_name: COLLECTION })).index_descriptions[0]!;
    const done = Number(d.indexed_rows);
    if (done !== last) {
      last = done;
      log(`indexed ${done} of ${n} rows (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    if (done >= n && Number(d.pending_index_rows) === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const t2 = performance.now();
  return { insertMs: t1 - t0, indexMs: t2 - t1, totalMs: t2 - t0 };
}

export interface PassReport {
  readonly recall: number;
  readonly p50: number;
  readonly p99: number;
  /** Bytes read by range over the pass, per query (block-cache misses × block bytes). */
  readonly bytesReadPerQuery: number;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/**
 * One pass of the NQ queries, one search each (Eventually: no wait on the write path), timed
 * one by one; `bytesRead` reads the cache counters of every worker.
 */
export async function searchPass(
  db: VesperClient, queries: Float32Array, truth: Int32Array, bytesRead: () => Promise<number>, params: Readonly<Record<string, number>> = SEARCH_PARAMS,
): Promise<PassReport> {
  const got = new Int32Array(NQ * K).fill(-1);
  const ms: number[] = [];
  const before = await bytesRead();
  for (let q = 0; q < NQ; q++) {
    const t0 = performance.now();
    const res = await db.search({
      collection_name: COLLECTION, data: queries.slice(q * DIM, (q + 1) * DIM), limit: K, params, consistency_level: 'Eventually',
    });
    ms.push(performance.now() - t0);
    (res.results as { id: string | number }[]).forEach((h, j) => (got[q * K + j] = Number(h.id)));
  }
  const after = await bytesRead();
  return { recall: recall(got, truth, NQ, K), p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), bytesReadPerQuery: (after - before) / NQ };
}

export interface SettingReport {
  /** A group of NQ queries the run has not searched before (the first group: the cache empty). */
  readonly first: PassReport;
  /** The same queries again (their blocks cached). */
  readonly repeat: PassReport;
}

/** Per SWEEP setting, its own query group searched once (first sight), then again (repeat). */
export async function searchSweep(db: VesperClient, queries: Float32Array, truth: Int32Array, bytesRead: () => Promise<number>): Promise<SettingReport[]> {
  const out: SettingReport[] = [];
  for (let i = 0; i < SWEEP.length; i++) {
    const q = queries.subarray(i * NQ * DIM, (i + 1) * NQ * DIM);
    const t = truth.subarray(i * NQ * K, (i + 1) * NQ * K);
    const first = await searchPass(db, q, t, bytesRead, SWEEP[i]);
    out.push({ first, repeat: await searchPass(db, q, t, bytesRead, SWEEP[i]) });
  }
  return out;
}
