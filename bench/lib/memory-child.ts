/**
 * One process of the memory benchmark (bench/suites/memory.ts): it holds one system's HNSW
 * index of a seeded clustered set and prints its memory as the last line of stdout (JSON).
 * Each system runs in its own process so resident set sizes do not mix. The dataset is
 * generated here, handed to the system, then dropped and collected before measuring, so the
 * figure is what the system itself keeps.
 *
 *   memory-child <mode> <n> <dim> <seed> <dir> [metric]
 *
 * modes: `baseline` (node + tsx only), `vesper-empty` (Vesper's modules and an empty
 * memory:// database: the engine's fixed cost), `hnswlib-build` (build, then write `<dir>/hnswlib.bin`),
 * `hnswlib-open` (read that file back), `vesper-memory` (VesperClient on memory://),
 * `vesper-build` (openDatabase on `<dir>/vesper`), `vesper-open` (reopen that directory),
 * `budget-build` (IVF_PQ in `<dir>/budget`) and `budget-open` (that directory reopened with a
 * `memoryBudget` of 1/8 of the vectors' bytes; also reports the block cache's bytes read per
 * query from `db.stats()`). `metric` (L2, the default, or COSINE) is the HNSW modes' metric:
 * hnswlib-node's `cosine` space, Vesper's COSINE (whose index holds normalized rows, so the
 * insert log's vector column stays on disk). Runs with --expose-gc.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [mode, nArg, dimArg, seedArg, dir, metricArg] = process.argv.slice(2);
const metric = metricArg ?? 'L2';
if (metric !== 'L2' && metric !== 'COSINE') throw new Error(`metric must be L2 or COSINE, got ${metric}`);
const n = Number(nArg);
const dim = Number(dimArg);
const seed = Number(seedArg);
const HNSW = { M: 16, efConstruction: 200 };
const NQ = 20;
const K = 10;

/** RSS and peak RSS from /proc (Linux), falling back to process.memoryUsage. */
function rssNow(): { rss: number; peak: number } {
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    const rss = process.memoryUsage().rss;
    return { rss, peak: NaN };
  }
}

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory-child needs --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function data(): Promise<Float32Array> {
  const { clustered } = await import('../../test/indexes/fixtures.ts');
  return clustered(seed, n + NQ, dim, { clusters: 50, rank: 32, noise: 0.05 });
}

interface HnswNode {
  initIndex(n: number, m?: number, efc?: number, seed?: number): void;
  addPoint(p: number[], l: number): void;
  setEf(ef: number): void;
  searchKnn(q: number[], k: number): { neighbors: number[] };
  writeIndexSync(f: string): void;
  readIndexSync(f: string): void;
}

async function hnswlib(build: boolean): Promise<() => number> {
  const mod = (await import('hnswlib-node')) as unknown as { default: { HierarchicalNSW: new (s: string, dim: number) => HnswNode } };
  const idx = new mod.default.HierarchicalNSW(metric === 'L2' ? 'l2' : 'cosine', dim);
  const file = join(dir!, 'hnswlib.bin');
  let queries: number[][];
  {
    let all: Float32Array | undefined = await data();
    queries = Array.from({ length: NQ }, (_, i) => Array.from(all!.subarray((n + i) * dim, (n + i + 1) * dim)));
    if (build) {
      idx.initIndex(n, HNSW.M, HNSW.efConstruction, 100);
      for (let i = 0; i < n; i++) idx.addPoint(Array.from(all.subarray(i * dim, (i + 1) * dim)), i);
      idx.writeIndexSync(file);
    }
    all = undefined;
  }
  if (!build) idx.readIndexSync(file);
  idx.setEf(64);
  return () => {
    let hits = 0;
    for (const q of queries) hits += idx.searchKnn(q, K).neighbors.length;
    return hits;
  };
}

async function vesper(storage: 'memory' | 'build' | 'open'): Promise<() => Promise<number>> {
  const { openDatabase } = await import('../../packages/core/src/node/open-database.ts');
  const { DataType } = await import('../../packages/core/src/schema/data-type.ts');
  const db = await openDatabase(storage === 'memory' ? {} : { path: join(dir!, 'vesper') });
  let queries: Float32Array[];
  {
    let all: Float32Array | undefined = await data();
    queries = Array.from({ length: NQ }, (_, i) => all!.slice((n + i) * dim, (n + i + 1) * dim));
    if (storage !== 'open') {
      await db.createCollection({
        collection_name: 'mem',
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'vector', data_type: DataType.FloatVector, dim },
        ],
        index_params: [{ field_name: 'vector', index_type: 'HNSW', metric_type: metric, params: HNSW }],
      });
      for (let s = 0; s < n; s += 2000) {
        const rows = [];
        for (let i = s; i < Math.min(n, s + 2000); i++) rows.push({ id: i, vector: all.subarray(i * dim, (i + 1) * dim) });
        await db.insert({ collection_name: 'mem', data: rows });
      }
      await db.flush({ collection_names: ['mem'] });
      for (;;) {
        const idx = (await db.describeIndex({ collection_name: 'mem' })).index_descriptions[0]!;
        if (Number(idx.indexed_rows) >= n && Number(idx.pending_index_rows) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } else await db.loadCollection({ collection_name: 'mem' });
    all = undefined;
  }
  return async () => {
    let hits = 0;
    for (const q of queries) {
      const r = await db.search({ collection_name: 'mem', data: q, limit: K, params: { ef: 64 }, consistency_level: 'Eventually' });
      hits += r.results.length;
    }
    return hits;
  };
}

/** The budgeted collection's block cache after the searches (budget modes only). */
let cacheStats: (() => { bytesRead: number; residentBytes: number; capacity: number }) | undefined;

/** IVF_PQ in a directory: built (no budget), or reopened under a budget of 1/8 of the vectors. */
async function budgeted(open: boolean): Promise<() => Promise<number>> {
  const { openDatabase } = await import('../../packages/core/src/node/open-database.ts');
  const { DataType } = await import('../../packages/core/src/schema/data-type.ts');
  const budget = Math.floor((n * dim * 4) / 8);
  const db = await openDatabase({ path: join(dir!, 'budget'), ...(open ? { memoryBudget: budget } : {}) });
  let queries: Float32Array[];
  {
    let all: Float32Array | undefined = await data();
    queries = Array.from({ length: NQ }, (_, i) => all!.slice((n + i) * dim, (n + i + 1) * dim));
    if (!open) {
      await db.createCollection({
        collection_name: 'pq',
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'vector', data_type: DataType.FloatVector, dim },
        ],
        index_params: [{ field_name: 'vector', index_type: 'IVF_PQ', metric_type: 'L2', params: { nlist: Math.max(16, Math.round(Math.sqrt(n) * 2)), m: dim / 8, nbits: 8 } }],
      });
      for (let s = 0; s < n; s += 2000) {
        const rows = [];
        for (let i = s; i < Math.min(n, s + 2000); i++) rows.push({ id: i, vector: all.subarray(i * dim, (i + 1) * dim) });
        await db.insert({ collection_name: 'pq', data: rows });
      }
      await db.flush({ collection_names: ['pq'] });
      for (;;) {
        const idx = (await db.describeIndex({ collection_name: 'pq' })).index_descriptions[0]!;
        if (Number(idx.indexed_rows) >= n && Number(idx.pending_index_rows) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } else {
      await db.loadCollection({ collection_name: 'pq' });
      cacheStats = () => db.stats().blockCache;
    }
    all = undefined;
  }
  return async () => {
    let hits = 0;
    for (const q of queries) {
      const r = await db.search({ collection_name: 'pq', data: q, limit: K, params: { nprobe: 16, refine_k: 4 }, consistency_level: 'Eventually' });
      hits += r.results.length;
    }
    return hits;
  };
}

async function main(): Promise<void> {
  let search: () => number | Promise<number> = () => 0;
  if (mode === 'hnswlib-build' || mode === 'hnswlib-open') search = await hnswlib(mode === 'hnswlib-build');
  else if (mode === 'vesper-memory') search = await vesper('memory');
  else if (mode === 'vesper-build') search = await vesper('build');
  else if (mode === 'vesper-open') search = await vesper('open');
  else if (mode === 'budget-build' || mode === 'budget-open') search = await budgeted(mode === 'budget-open');
  else if (mode === 'vesper-empty') {
    const { openDatabase } = await import('../../packages/core/src/node/open-database.ts');
    const db = await openDatabase();
    search = async () => (await db.listCollections()).data.length;
  }
  else if (mode !== 'baseline') throw new Error(`unknown mode ${mode}`);
  const hits = await search();
  if (mode !== 'baseline' && mode !== 'vesper-empty' && hits !== NQ * K) throw new Error(`${mode}: ${hits} hits for ${NQ} queries of ${K}`);
  await settle();
  const m = process.memoryUsage();
  const { rss, peak } = rssNow();
  const cache = cacheStats?.();
  const wasm = mode.startsWith('vesper') || mode.startsWith('budget') ? (await import('../../packages/core/src/kernels/loader.ts')).getKernels().memoryBytes : 0;
  console.log(JSON.stringify({ mode, rss, peak, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, wasm, ...(cache ? { bytesReadPerQuery: cache.bytesRead / NQ, cacheResident: cache.residentBytes, budget: cache.capacity } : {}) }));
  process.exit(0);
}

await main();
