/**
 * Vector index benchmark (issue 4): Vesper's WASM indexes against the peers a user would
 * otherwise pick, in one process, single-threaded, k=10, on siftsmall and arxiv-gte-small
 * from ../shared/datasets and on seeded clustered 100k x 128 / 100k x 384 sets whose exact
 * ground truth comes from Vesper's FLAT. Reports build vectors/s, QPS at recall@10 >= 0.90 /
 * 0.95 / 0.99 (best over an ef / nprobe sweep), bytes per vector and ratios to hnswlib-node;
 * FLAT scan GB/s vs a plain JS scan; IVF_SQ8 bytes vs float. Flags: --quick (small sets
 * only), --no-pglite, --pglite-all (also the 100k×384 set), --no-orama, --n=<rows for the generated
 * sets>, --generated-only (skip the real sets), --hnsw-only (hnswlib-node, Vesper HNSW and
 * HNSW_SQ only, for repeated same-run comparisons), --dims=128,384 (which generated sets), --no-disk (skip
 * IVF_PQ read by range from a file with a block cache of 1/8 of the vectors, reported with bytes read per query, once with its WASM
 * kernels and once with their TypeScript twins). hnswlib-wasm is web-only (it refuses to load in Node): it is tried and reported as failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { MetricType } from '../../packages/core/src/schema/types.ts';
import type { FloatVectorColumn } from '../../packages/core/src/schema/columns.ts';
import { loadKernelsNode } from '../../packages/core/src/node/kernels.ts';
import { getIndexFactory, openIvfPq, type VectorIndex } from '../../packages/core/src/index/index.ts';
import { defaultM, openIvfPqSync } from '../../packages/core/src/index/ivf-pq-index.ts';
import { FsObjectStore } from '../../packages/core/src/node/fs-object-store.ts';
import { BlockCache } from '../../packages/core/src/util/block-cache.ts';
import { objectRange } from '../../packages/core/src/util/block-file.ts';
import { readFvecs, recall } from '../../test/indexes/fixtures.ts';
import { EFS, K, NPROBES, REPS, TARGETS, fmt, generated, hnswlibNode, ratio, sweep, withTruth, type Dataset, type Row, type Searcher } from '../lib/ann.ts';

// VESPER_DATASETS: the datasets folder when the checkout is not beside ../shared (a git worktree)
const datasetsDir = process.env['VESPER_DATASETS'] ?? fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));

function log(msg: string): void {
  console.error(`[bench:vectors] ${msg}`);
}

function loadReal(name: string, baseFile: string, queryFile: string, metric: MetricType): Dataset | undefined {
  if (!existsSync(datasetsDir + baseFile)) return undefined;
  const b = readFvecs(readFileSync(datasetsDir + baseFile));
  const q = readFvecs(readFileSync(datasetsDir + queryFile));
  return withTruth({ name, n: b.n, dim: b.dim, metric, base: b.data, queries: q.data, nq: q.n, truth: new Int32Array(0) });
}

async function vesper(d: Dataset, type: string, params: Record<string, unknown>, knob: string, label = type, reopen?: (built: VectorIndex) => VectorIndex): Promise<Row> {
  const col: FloatVectorColumn = { type: DataType.FloatVector, length: d.n, dim: d.dim, data: d.base };
  const t0 = performance.now();
  const built: VectorIndex = await getIndexFactory(type).build(col, d.metric, params);
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  const idx = reopen?.(built) ?? built;
  let p: Record<string, unknown> = {};
  const s: Searcher = {
    search: (q, qi) => idx.search(q.subarray(qi * d.dim, (qi + 1) * d.dim), 1, K, { params: p }).rows,
    setEf: (v) => { p = { [knob]: v }; },
    bytes: idx.bytesUsed(),
  };
  const r = await sweep(d, s, knob === 'nprobe' ? NPROBES : EFS);
  idx.dispose?.();
  if (idx !== built) built.dispose?.();
  return { system: `Vesper ${label}`, config: JSON.stringify(params), buildRate, bytesPerVec: s.bytes / d.n, ...r };
}

/**
 * IVF_PQ read by range (issue 17): built, written to a file (FsObjectStore in a temp dir),
 * opened by range with a block cache of 1/8 of the float vectors' bytes; each search awaits
 * its re-rank reads. Records bytes read per query and the cache's resident bytes in `notes`.
 */
async function vesperDisk(d: Dataset, notes: string[], kernel: 'wasm' | 'ts' = 'wasm'): Promise<Row> {
  const col: FloatVectorColumn = { type: DataType.FloatVector, length: d.n, dim: d.dim, data: d.base };
  const params = { nlist: Math.max(16, Math.round(Math.sqrt(d.n) * 2)), m: defaultM(d.dim), nbits: 8 };
  const t0 = performance.now();
  const built = await getIndexFactory('IVF_PQ').build(col, d.metric, params);
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  const dir = await mkdtemp(join(tmpdir(), 'vesper-bench-pq-'));
  try {
    const store = await FsObjectStore.open(dir);
    await store.put('index', built.serialize());
    built.dispose?.();
    const budget = Math.floor((d.n * d.dim * 4) / 8);
    const cache = new BlockCache(budget);
    const idx = await openIvfPq(objectRange(store, 'index'), cache, { kernel });
    let p: Record<string, unknown> = {};
    let searches = 0;
    let read0 = 0;
    const perKnob: string[] = [];
    const s: Searcher = {
      search: async (q, qi) => {
        searches++;
        const one = q.subarray(qi * d.dim, (qi + 1) * d.dim);
        const release = await idx.prepareSearch(one, 1, K, { params: p });
        try {
          return idx.search(one, 1, K, { params: p }).rows;
        } finally {
          release();
        }
      },
      setEf: (v) => {
        if (searches > 0) perKnob.push(`${String(p['nprobe'])}:${fmt((cache.stats().bytesRead - read0) / searches)}`);
        searches = 0;
        read0 = cache.stats().bytesRead;
        p = { nprobe: v, refine_k: 4 };
      },
      bytes: idx.bytesUsed(),
    };
    const r = await sweep(d, s, NPROBES);
    if (searches > 0) perKnob.push(`${String(p['nprobe'])}:${fmt((cache.stats().bytesRead - read0) / searches)}`);
    const st = cache.stats();
    notes.push(`IVF_PQ (disk${kernel === 'ts' ? ', TypeScript scan' : ''}, ${JSON.stringify(params)}, refine_k 4): block cache ${fmt(budget)} B (1/8 of the float vectors), resident ${fmt(st.residentBytes)} B at the end; ` +
      `hot parts in memory ${fmt(idx.bytesUsed())} B (${(idx.bytesUsed() / d.n).toFixed(1)} B/vector); bytes read by range per query by nprobe (nprobe:bytes, cache warm after the first pass): ${perKnob.join(' ')}.`);
    idx.dispose();
    return { system: kernel === 'ts' ? 'Vesper IVF_PQ (disk, TS scan)' : 'Vesper IVF_PQ (disk)', config: JSON.stringify(params), buildRate, bytesPerVec: s.bytes / d.n, ...r };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface HnswWasm { initIndex(n: number, m: number, efc: number, seed: number): void; addPoint(p: Float32Array, l: number, r: boolean): void; setEfSearch(ef: number): void; searchKnn(q: Float32Array, k: number, f: undefined): { neighbors: number[] } }

async function hnswlibWasm(d: Dataset, m: number, efc: number): Promise<Row> {
  const mod = (await import('hnswlib-wasm/dist/hnswlib.js')) as unknown as { loadHnswlib(): Promise<{ HierarchicalNSW: new (s: string, dim: number, f: string) => HnswWasm }> };
  const lib = await mod.loadHnswlib();
  const space = d.metric === 'L2' ? 'l2' : d.metric === 'IP' ? 'ip' : 'cosine';
  const idx = new lib.HierarchicalNSW(space, d.dim, '');
  idx.initIndex(d.n, m, efc, 100);
  const t0 = performance.now();
  for (let i = 0; i < d.n; i++) idx.addPoint(d.base.subarray(i * d.dim, (i + 1) * d.dim), i, false);
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  const r = await sweep(d, { search: (q, qi) => idx.searchKnn(q.subarray(qi * d.dim, (qi + 1) * d.dim), K, undefined).neighbors, setEf: (ef) => idx.setEfSearch(ef), bytes: NaN }, EFS);
  return { system: 'hnswlib-wasm', config: `{"M":${m},"efConstruction":${efc}}`, buildRate, bytesPerVec: NaN, ...r };
}

async function pglite(d: Dataset, m: number | undefined, efc: number | undefined): Promise<Row> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const pg = await PGlite.create({ extensions: { vector } });
  await pg.exec(`CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE items (id int, v vector(${d.dim}));`);
  // keep the whole graph build in memory (pgvector falls back to a slower on-disk build)
  await pg.exec(`SET maintenance_work_mem = '512MB'`);
  const lit = (a: Float32Array): string => `[${Array.from(a).join(',')}]`;
  for (let s = 0; s < d.n; s += 500) {
    const vals: string[] = [];
    for (let i = s; i < Math.min(d.n, s + 500); i++) vals.push(`(${i}, '${lit(d.base.subarray(i * d.dim, (i + 1) * d.dim))}')`);
    await pg.exec(`INSERT INTO items VALUES ${vals.join(',')}`);
  }
  const ops = d.metric === 'L2' ? 'vector_l2_ops' : d.metric === 'IP' ? 'vector_ip_ops' : 'vector_cosine_ops';
  const op = d.metric === 'L2' ? '<->' : d.metric === 'IP' ? '<#>' : '<=>';
  const withClause = m === undefined ? '' : ` WITH (m = ${m}, ef_construction = ${efc})`;
  const t0 = performance.now();
  await pg.exec(`CREATE INDEX items_v ON items USING hnsw (v ${ops})${withClause}`);
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  const size = await pg.query<{ s: number }>(`SELECT pg_relation_size('items_v')::int AS s`);
  const bytes = size.rows[0]!.s;
  const qs = Array.from({ length: d.nq }, (_, i) => lit(d.queries.subarray(i * d.dim, (i + 1) * d.dim)));
  // pglite is async: sweep by hand
  const qps: Record<number, number> = {};
  const parts: string[] = [];
  for (const ef of EFS) {
    await pg.exec(`SET hnsw.ef_search = ${ef}`);
    const rows = new Int32Array(d.nq * K).fill(-1);
    let q = 0;
    for (let rep = 0; rep < REPS; rep++) {
      const t1 = performance.now();
      for (let qi = 0; qi < d.nq; qi++) {
        const r = await pg.query<{ id: number }>(`SELECT id FROM items ORDER BY v ${op} $1 LIMIT ${K}`, [qs[qi]]);
        r.rows.forEach((x, i) => (rows[qi * K + i] = x.id));
      }
      q = Math.max(q, (d.nq / (performance.now() - t1)) * 1000);
    }
    const rc = recall(rows, d.truth, d.nq, K);
    parts.push(`${ef}:${rc.toFixed(3)}@${Math.round(q)}`);
    for (const t of TARGETS) if (rc >= t) qps[t] = Math.max(qps[t] ?? 0, q);
    if (rc >= 0.999) break;
  }
  await pg.close();
  return { system: 'pglite+pgvector', config: m === undefined ? 'defaults' : `{"m":${m},"ef_construction":${efc}}`, buildRate, bytesPerVec: bytes / d.n, qps, sweep: parts.join(' ') };
}

async function orama(d: Dataset): Promise<Row> {
  const o = await import('@orama/orama');
  const db = o.create({ schema: { rid: 'number', v: `vector[${d.dim}]` } as const });
  const docs = Array.from({ length: d.n }, (_, i) => ({ rid: i, v: Array.from(d.base.subarray(i * d.dim, (i + 1) * d.dim)) }));
  const t0 = performance.now();
  await o.insertMultiple(db, docs, 1000);
  const buildRate = d.n / ((performance.now() - t0) / 1000);
  const rows = new Int32Array(d.nq * K).fill(-1);
  const t1 = performance.now();
  for (let qi = 0; qi < d.nq; qi++) {
    const r = await o.search(db, { mode: 'vector', vector: { value: Array.from(d.queries.subarray(qi * d.dim, (qi + 1) * d.dim)), property: 'v' }, similarity: -1, limit: K, includeVectors: false });
    r.hits.forEach((h, i) => (rows[qi * K + i] = Number((h.document as { rid: number }).rid)));
  }
  const q = (d.nq / (performance.now() - t1)) * 1000;
  const rc = recall(rows, d.truth, d.nq, K);
  const qps: Record<number, number> = {};
  for (const t of TARGETS) if (rc >= t) qps[t] = q;
  return { system: '@orama/orama', config: 'defaults (cosine, exact)', buildRate, bytesPerVec: NaN, qps, sweep: `exact:${rc.toFixed(3)}@${Math.round(q)}` };
}

/** Plain-JS exact scan: the floor every index should beat. Returns QPS and GB/s. */
function jsScan(d: Dataset, nq: number): { qps: number; gbs: number } {
  const dim = d.dim;
  const t0 = performance.now();
  for (let qi = 0; qi < nq; qi++) {
    const bestD = new Float64Array(K).fill(Infinity);
    const bestI = new Int32Array(K).fill(-1);
    const qo = qi * dim;
    for (let i = 0; i < d.n; i++) {
      let s = 0;
      const o = i * dim;
      for (let j = 0; j < dim; j++) {
        const x = d.base[o + j]! - d.queries[qo + j]!;
        s += x * x;
      }
      if (s < bestD[K - 1]!) {
        let p = K - 1;
        while (p > 0 && bestD[p - 1]! > s) { bestD[p] = bestD[p - 1]!; bestI[p] = bestI[p - 1]!; p--; }
        bestD[p] = s; bestI[p] = i;
      }
    }
  }
  const sec = (performance.now() - t0) / 1000;
  return { qps: nq / sec, gbs: (nq * d.n * dim * 4) / sec / 1e9 };
}

interface ScanRate { qps: number; gbs: number }

/**
 * FLAT scan rate, best of 3: `batch` = all nq queries in one search call (the query-blocked
 * kernel, 64 queries per crossing), `single` = one query per call.
 */
async function flatScan(d: Dataset, nq: number): Promise<{ batch: ScanRate; single: ScanRate }> {
  const col: FloatVectorColumn = { type: DataType.FloatVector, length: d.n, dim: d.dim, data: d.base };
  const idx = await getIndexFactory('FLAT').build(col, 'L2', {});
  const rate = (sec: number): ScanRate => ({ qps: nq / sec, gbs: (nq * d.n * d.dim * 4) / sec / 1e9 });
  const best = (f: () => void): ScanRate => {
    f(); // warm-up
    let sec = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      f();
      sec = Math.min(sec, (performance.now() - t0) / 1000);
    }
    return rate(sec);
  };
  const batch = best(() => idx.search(d.queries, nq, K));
  const single = best(() => {
    for (let qi = 0; qi < nq; qi++) idx.search(d.queries.subarray(qi * d.dim, (qi + 1) * d.dim), 1, K);
  });
  idx.dispose?.();
  return { batch, single };
}


/** The HNSW rows only (--hnsw-only): QPS per target and each system's ratio to hnswlib-node. */
function hnswTable(d: Dataset, rows: Row[]): string[] {
  const ref = rows.find((r) => r.system === 'hnswlib-node');
  const out = [`### ${d.name} (${d.metric}, ${d.nq} queries), HNSW only`, '', '| system | build vec/s | ×node | B/vec | QPS@0.90 | ×node | QPS@0.95 | ×node | QPS@0.99 | ×node |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(`| ${r.system} | ${fmt(r.buildRate)} | ${ratio(r.buildRate, ref?.buildRate)} | ${fmt(r.bytesPerVec)} | ${TARGETS.map((t) => `${fmt(r.qps[t])} | ${ratio(r.qps[t], ref?.qps[t])}`).join(' | ')} |`);
  }
  return out;
}

export default async function run(argv: string[]): Promise<string> {
  const quick = argv.includes('--quick');
  const hnswOnly = argv.includes('--hnsw-only');
  const nArg = argv.find((a) => a.startsWith('--n='));
  const genN = nArg !== undefined ? Number(nArg.slice(4)) : 100_000;
  await loadKernelsNode();
  const sets: Dataset[] = [];
  const sift = loadReal('siftsmall 10k×128', 'siftsmall/siftsmall_base.fvecs', 'siftsmall/siftsmall_query.fvecs', 'L2');
  const arxiv = loadReal('arxiv-gte-small 900×384', 'arxiv-gte-small-1k/base.fvecs', 'arxiv-gte-small-1k/query.fvecs', 'COSINE');
  if (sift && !argv.includes('--generated-only')) sets.push(sift);
  if (arxiv && !argv.includes('--generated-only')) sets.push(arxiv);
  if (!quick) {
    log(`generating clustered sets n=${genN}`);
    const dims = argv.find((a) => a.startsWith('--dims='))?.slice(7).split(',').map(Number) ?? [128, 384];
    if (dims.includes(128)) sets.push(generated(genN, 128, 1234));
    if (dims.includes(384)) sets.push(generated(genN, 384, 5678));
  }
  const out: string[] = ['## Vector indexes', '', `node ${process.version}, ${new Date().toISOString()}, single-threaded, k=${K}, ${quick ? '--quick' : 'full'} run. QPS = best over the ef/nprobe sweep reaching the recall@10 target (one query per call; each sweep point is the best of ${REPS} passes over the queries). Ratios are to hnswlib-node at the same parameters, in this run.`, ''];
  const sweeps: string[] = [];
  for (const d of sets) {
    log(`${d.name}`);
    const rows: Row[] = [];
    const tryRun = async (label: string, f: () => Promise<Row>): Promise<void> => {
      try {
        log(`  ${label}`);
        rows.push(await f());
      } catch (e) {
        log(`  ${label} failed: ${(e as Error).message}`);
        rows.push({ system: label, config: `failed: ${(e as Error).message.slice(0, 60)}`, buildRate: NaN, bytesPerVec: NaN, qps: {}, sweep: '' });
      }
    };
    await tryRun('hnswlib-node M16', () => hnswlibNode(d, 16, 200));
    await tryRun('Vesper HNSW M16', () => vesper(d, 'HNSW', { M: 16, efConstruction: 200 }, 'ef'));
    await tryRun('Vesper HNSW_SQ M16', () => vesper(d, 'HNSW_SQ', { M: 16, efConstruction: 200, sq_type: 'SQ8', refine: true, refine_type: 'FP32' }, 'ef'));
    if (hnswOnly) {
      out.push(...hnswTable(d, rows), '');
      for (const r of rows) sweeps.push(`- ${d.name} / ${r.system} ${r.config}: ${r.sweep}`);
      continue;
    }
    await tryRun('hnswlib-wasm M16', () => hnswlibWasm(d, 16, 200));
    // pgvector's HNSW build in PGlite runs at a few hundred vectors/s: on the generated sets
    // it runs only at dim 128 unless --pglite-all (the 100k×384 build alone takes many minutes)
    if (!argv.includes('--no-pglite') && (d.n <= 10_000 || d.dim <= 128 || argv.includes('--pglite-all'))) {
      await tryRun('pglite M16', () => pglite(d, 16, 200));
      if (d.n <= 10_000) await tryRun('pglite defaults', () => pglite(d, undefined, undefined));
    }
    if (!argv.includes('--no-orama') && d.n <= 10_000) await tryRun('orama', () => orama(d));
    await tryRun('Vesper IVF_FLAT', () => vesper(d, 'IVF_FLAT', { nlist: Math.max(16, Math.round(Math.sqrt(d.n) * 2)) }, 'nprobe'));
    await tryRun('Vesper IVF_SQ8', () => vesper(d, 'IVF_SQ8', { nlist: Math.max(16, Math.round(Math.sqrt(d.n) * 2)) }, 'nprobe'));
    const diskNotes: string[] = [];
    // IVF_PQ with its file in memory (no range reads): the arithmetic alone, WASM kernels vs their TypeScript twins
    const pqParams = { nlist: Math.max(16, Math.round(Math.sqrt(d.n) * 2)), m: defaultM(d.dim), nbits: 8 };
    await tryRun('Vesper IVF_PQ (in memory)', () => vesper(d, 'IVF_PQ', pqParams, 'nprobe', 'IVF_PQ (in memory)'));
    await tryRun('Vesper IVF_PQ (in memory, TS scan)', () => vesper(d, 'IVF_PQ', pqParams, 'nprobe', 'IVF_PQ (in memory, TS scan)', (b) => openIvfPqSync(b.serialize(), { kernel: 'ts' })));
    if (!argv.includes('--no-disk')) {
      await tryRun('Vesper IVF_PQ (disk)', () => vesperDisk(d, diskNotes));
      // the same index scanned by the TypeScript twins of its kernels: what the kernels buy
      await tryRun('Vesper IVF_PQ (disk, TS scan)', () => vesperDisk(d, diskNotes, 'ts'));
    }
    const ref = rows.find((r) => r.system === 'hnswlib-node' && r.config.includes('"M":16'));
    out.push(`### ${d.name} (${d.metric}, ${d.nq} queries)`, '');
    out.push('| system | params | build vec/s | ×node | B/vec | QPS@0.90 | QPS@0.95 | ×node | QPS@0.99 |', '|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      out.push(`| ${r.system} | ${r.config} | ${fmt(r.buildRate)} | ${ratio(r.buildRate, ref?.buildRate)} | ${fmt(r.bytesPerVec)} | ${fmt(r.qps[0.9])} | ${fmt(r.qps[0.95])} | ${ratio(r.qps[0.95], ref?.qps[0.95])} | ${fmt(r.qps[0.99])} |`);
      sweeps.push(`- ${d.name} / ${r.system} ${r.config}: ${r.sweep}`);
    }
    const scanQ = Math.min(d.nq, 64);
    const fs = await flatScan(d, scanQ);
    const js = jsScan(d, Math.max(2, Math.round(Math.min(50, 2e9 / (d.n * d.dim * 4)) / 5)));
    out.push(
      '',
      `FLAT scan, ${scanQ} queries in one call (query-blocked): ${fs.batch.gbs.toFixed(1)} GB/s (${fmt(fs.batch.qps)} QPS); ` +
        `one query per call: ${fs.single.gbs.toFixed(1)} GB/s (${fmt(fs.single.qps)} QPS); ` +
        `plain-JS scan ${js.gbs.toFixed(1)} GB/s (${fmt(js.qps)} QPS): ${(fs.batch.gbs / js.gbs).toFixed(1)}× / ${(fs.single.gbs / js.gbs).toFixed(1)}×.`,
    );
    const sq8 = rows.find((r) => r.system === 'Vesper IVF_SQ8');
    if (sq8) out.push(`IVF_SQ8: ${fmt(sq8.bytesPerVec)} B/vector = ${(sq8.bytesPerVec / (d.dim * 4)).toFixed(3)}× the float32 vector (${d.dim * 4} B).`);
    out.push(...diskNotes);
    out.push('');
  }
  out.push('<details><summary>sweeps (knob:recall@QPS)</summary>', '', ...sweeps, '', '</details>', '');
  return out.join('\n');
}
