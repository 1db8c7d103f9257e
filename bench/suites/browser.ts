/**
 * Browser benchmark (issue 5), measured in the system Chromium (headless, the flags of
 * test/browser/vitest.config.ts) on a page Vite serves from this repository:
 *   - durable insert: 128-d vectors in batches of 1,000 into an opfs:// collection (each
 *     batch acknowledged only after its WAL commit in IndexedDB);
 *   - engine CPU: core's share of one insert batch, timed on the page without worker or IO
 *     (row conversion, WAL encoding, growing append, and the whole in-memory insert);
 *   - cold open: persisted N×384 clustered COSINE collections, one HNSW and one IVF_PQ (built
 *     once, kept in a persistent browser profile under the OS temp dir), each reopened on a fresh
 *     page in a fresh worker, timed from openDatabase to the first search result; then the
 *     recall@10 of 50 held-out queries against an exact scan and their steady search p50;
 *   - worker overhead: the same searches on the same data through the worker (main thread →
 *     postMessage → worker → back) and in-process on the page (what the engine costs inside the
 *     worker), difference per query, on 2k rows and on a 1-row collection (where the engine's
 *     own cost is a few µs, so the difference is the call's); each engine is timed with only itself alive (an idle
 *     in-process engine left on the page made the worker path measure ~0.3 ms/query slower);
 *   - bundle: a Vite production build of a small openDatabase entry (page + engine worker +
 *     kernels.wasm), minified and gzipped, with and without apache-arrow.
 * Skipped with a printed reason when /usr/bin/chromium is absent.
 * `npx tsx bench/index.ts browser [--cold-rows=N] [--cold-index=HNSW,IVF_PQ] [--cold-workers=N] [--insert-rows=N] [--rebuild] [--only=insert,engine,cold,overhead,bundle]`
 * (`--only` runs a subset while iterating; the recorded figures come from a full run).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { CHROMIUM, benchPagePlugin, openBenchBrowser } from '../lib/bench-page.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * The page's port. OPFS and IndexedDB belong to an origin (scheme, host AND port): a random
 * port made every run a new origin, so the cold-open collection kept in the profile was never
 * found again (and every run rebuilt it, leaving the old origin's 300 MB behind). A fixed port
 * keeps the origin; when it is taken Vite moves to the next one and the collection is rebuilt.
 */
const PORT = 47_310;

/** The page's measurement module (served as a virtual module; runs in Chromium). */
const PAGE_MODULE = `
import kernels from '@vesper/core/kernels.wasm?url';
import { openDatabase, openMemoryDatabase } from '/packages/browser/src/index.ts';
import { VesperClient } from '/packages/core/src/client/vesper-client.ts';
import { normalizeSchema } from '/packages/core/src/schema/normalize.ts';
import { rowsToBatch } from '/packages/core/src/schema/row-batch.ts';
import { GrowingSegment } from '/packages/core/src/segments/growing-segment.ts';
import { encodeWalRecord } from '/packages/core/src/wal/wal-record.ts';
import { clustered } from '/test/indexes/fixtures.ts';

function vectors(n, dim, seed) {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  return Array.from({ length: n }, () => { const v = new Float32Array(dim); for (let i = 0; i < dim; i++) v[i] = rnd(); return v; });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// the cold-open collections: clustered 384-d vectors (the vectors suite's generator), the last
// COLD_QUERIES of them held out as queries
const COLD_DIM = 384;
const COLD_QUERIES = 50;
const COLD = [
  { type: 'HNSW', build: () => ({ M: 16, efConstruction: 64 }), search: { ef: 64 } },
  { type: 'IVF_PQ', build: (n) => ({ nlist: Math.max(16, 1 << Math.round(Math.log2(2 * Math.sqrt(n)))), m: COLD_DIM / 4, nbits: 8 }), search: { nprobe: 32, refine_k: 4 } },
];
const coldUrl = (rows, kind) => 'opfs://bench-cold-' + COLD[kind].type.toLowerCase() + '-' + rows;
let coldCache;
function coldData(rows) {
  if (coldCache?.rows !== rows) coldCache = { rows, data: clustered(1234, rows + COLD_QUERIES, COLD_DIM, { clusters: 50, rank: 32, noise: 0.05 }) };
  return coldCache.data;
}
function exactCosine(all, rows, q, k) {
  let qn = 0;
  for (let d = 0; d < COLD_DIM; d++) qn += q[d] * q[d];
  const scores = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let dot = 0, n = 0;
    const o = i * COLD_DIM;
    for (let d = 0; d < COLD_DIM; d++) { const x = all[o + d]; dot += x * q[d]; n += x * x; }
    scores[i] = dot / Math.sqrt(n * qn);
  }
  // the k best by a running selection (a sort of every row per query would dominate the run)
  const best = [];
  for (let i = 0; i < rows; i++) {
    if (best.length === k && scores[i] <= scores[best[k - 1]]) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && scores[best[at - 1]] < scores[i]) { best[at] = best[at - 1]; at--; }
    best[at] = i;
    if (best.length > k) best.length = k;
  }
  return best;
}

window.bench = {
  async insert(rows) {
    const db = await openDatabase('opfs://bench-insert-' + Date.now(), { kernels });
    await db.createCollection({ collection_name: 'v', dimension: 128 });
    const vs = vectors(rows, 128, 7);
    const batches = [];
    for (let b = 0; b < rows; b += 1000) batches.push(vs.slice(b, b + 1000).map((vector, i) => ({ id: b + i, vector })));
    await db.insert({ collection_name: 'v', data: batches[0] }); // warm-up batch (not timed)
    const t0 = performance.now();
    for (let b = 1; b < batches.length; b++) await db.insert({ collection_name: 'v', data: batches[b] });
    const ms = performance.now() - t0;
    await db.close();
    return { rows: rows - 1000, ms };
  },
  // cold open: kind 0 = HNSW (whole in memory), 1 = IVF_PQ (hot parts in memory, rows read by range)
  async coldBuild(rows, kind) {
    const spec = COLD[kind];
    const db = await openDatabase(coldUrl(rows, kind), { kernels });
    const has = (await db.hasCollection({ collection_name: 'v' })).value;
    let why = 'no collection';
    if (has) {
      const d = (await db.describeIndex({ collection_name: 'v' })).index_descriptions[0];
      if (d && d.state === 'Finished' && Number(d.indexed_rows) === rows) { await db.close(); return { built: false, ms: 0 }; }
      why = d ? \`state \${d.state}, indexed_rows \${d.indexed_rows} of \${d.total_rows}, pending \${d.pending_index_rows}\` : 'no index';
      await db.dropCollection({ collection_name: 'v' });
    }
    const t0 = performance.now();
    await db.createCollection({ collection_name: 'v', fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }, { name: 'vector', data_type: 'FloatVector', dim: COLD_DIM }] });
    await db.createIndex({ collection_name: 'v', field_name: 'vector', index_type: spec.type, metric_type: 'COSINE', params: spec.build(rows) });
    const vs = coldData(rows);
    for (let b = 0; b < rows; b += 5000) {
      const data = [];
      for (let i = b; i < Math.min(rows, b + 5000); i++) data.push({ id: i, vector: vs.subarray(i * COLD_DIM, (i + 1) * COLD_DIM) });
      await db.insert({ collection_name: 'v', data });
    }
    await db.loadCollection({ collection_name: 'v' });
    await db.flush({ collection_names: ['v'] });
    for (;;) {
      const d = (await db.describeIndex({ collection_name: 'v' })).index_descriptions[0];
      if (d.state === 'Finished' && Number(d.indexed_rows) === rows) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const ms = performance.now() - t0;
    await db.close();
    return { built: true, ms, why };
  },
  // the fixed part of an open: starting the engine worker (and its query workers) on an empty opfs:// database
  async openEmpty(workers) {
    const t0 = performance.now();
    const db = await openDatabase('opfs://bench-empty', { kernels, ...(workers >= 0 ? { queryWorkers: workers } : {}) });
    const t1 = performance.now();
    await db.listCollections();
    const t2 = performance.now();
    await db.close();
    return { openMs: t1 - t0, firstCallMs: t2 - t1 };
  },
  async coldOpen(rows, kind, workers) {
    const spec = COLD[kind];
    const all = coldData(rows);
    const query = (q) => all.subarray((rows + q) * COLD_DIM, (rows + q + 1) * COLD_DIM);
    const t0 = performance.now();
    const db = await openDatabase(coldUrl(rows, kind), { kernels, ...(workers >= 0 ? { queryWorkers: workers } : {}) });
    const t1 = performance.now();
    const res = await db.search({ collection_name: 'v', data: query(0), limit: 10, consistency_level: 'Eventually', search_params: { params: spec.search } });
    const t2 = performance.now();
    const count = (await db.count({ collection_name: 'v', consistency_level: 'Strong' })).data;
    // after the timed part: recall@10 of every held-out query against an exact cosine scan, and steady search times
    const got = [];
    const times = [];
    for (let q = 0; q < COLD_QUERIES; q++) {
      const s0 = performance.now();
      const r = await db.search({ collection_name: 'v', data: query(q), limit: 10, consistency_level: 'Eventually', search_params: { params: spec.search } });
      times.push(performance.now() - s0);
      got.push(r.results.map((h) => Number(h.id)));
    }
    let hit = 0;
    for (let q = 0; q < COLD_QUERIES; q++) {
      const want = new Set(exactCosine(all, rows, query(q), 10));
      hit += got[q].filter((id) => want.has(id)).length;
    }
    await db.close();
    return { openMs: t1 - t0, firstSearchMs: t2 - t1, totalMs: t2 - t0, hits: res.results.length, count, recall: hit / (10 * COLD_QUERIES), steadyP50: median(times) };
  },
  // core's CPU per insert batch on the page (no worker, no IO): best of 6 rounds of 50 batches
  async engine(batches) {
    const schema = normalizeSchema({ collection_name: 'v', dimension: 128 });
    const rows = Array.from({ length: batches }, (_, b) => vectors(1000, 128, 20 + b).map((vector, i) => ({ id: b * 1000 + i, vector })));
    const best = {};
    const time = async (name, fn) => {
      const t0 = performance.now();
      for (let b = 0; b < batches; b++) await fn(b);
      best[name] = Math.min(best[name] ?? Infinity, (performance.now() - t0) / batches);
    };
    for (let r = 0; r < 6; r++) {
      const bs = [];
      await time('rowsToBatch', (b) => { bs[b] = rowsToBatch(schema, rows[b]); });
      const rec = (b) => ({ type: 'insert', collectionId: 1, partitionId: 1, ts: BigInt(b + 1) << 18n, upsert: false, batch: bs[b] });
      await time('encode', (b) => encodeWalRecord(rec(b), schema));
      let g;
      await time('append', (b) => { if (b === 0) g = new GrowingSegment(1, 1, 0, schema, 0); g.append(bs[b], BigInt(b + 1) << 18n); });
      const db = await VesperClient.open({ storage: 'memory://' });
      await db.createCollection({ collection_name: 'v', dimension: 128 });
      await time('insert', (b) => db.insert({ collection_name: 'v', data: rows[b] }));
      await db.close();
    }
    return best;
  },
  async overhead(rows, queries) {
    const data = vectors(rows, 128, 5).map((vector, id) => ({ id, vector }));
    const qs = vectors(queries, 128, 6);
    const timings = {};
    for (const name of ['worker', 'inProcess']) {
      const db = name === 'worker' ? await openDatabase('memory://', { kernels }) : await openMemoryDatabase(kernels);
      await db.createCollection({ collection_name: 'v', dimension: 128 });
      for (let b = 0; b < rows; b += 5000) await db.insert({ collection_name: 'v', data: data.slice(b, b + 5000) });
      await db.loadCollection({ collection_name: 'v' });
      for (let i = 0; i < 50; i++) await db.search({ collection_name: 'v', data: qs[i % queries], limit: 10 });
      const rounds = [];
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        for (const q of qs) await db.search({ collection_name: 'v', data: q, limit: 10 });
        rounds.push((performance.now() - t0) / queries);
      }
      timings[name] = median(rounds);
      await db.close();
    }
    return timings;
  },
  /** The floor of any page -> worker call: a message echoed by a worker that does nothing else (ms per round trip, median of 5 rounds). */
  async echo(n) {
    const w = new Worker(URL.createObjectURL(new Blob(['onmessage = (e) => postMessage(e.data)'], { type: 'text/javascript' })));
    const once = (msg) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); w.postMessage(msg); });
    const q = new Float32Array(128);
    for (let i = 0; i < 50; i++) await once({ id: i, q });
    const rounds = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await once({ id: i, q });
      rounds.push((performance.now() - t0) / n);
    }
    w.terminate();
    return median(rounds);
  },
};
window.dispatchEvent(new Event('bench-ready'));
`;


/** Gzipped bytes of a production build of a small openDatabase entry (JS + worker + WASM). */
async function bundleSize(excludeArrow: boolean): Promise<{ gz: number; raw: number; files: number }> {
  const { build, defaultClientConditions } = await import('vite');
  const outDir = await mkdtemp(join(tmpdir(), 'vesper-bundle-'));
  const entryId = '\0vesper-bundle-entry.js';
  const entry: Plugin = {
    name: 'vesper-bundle-entry',
    resolveId: (id) => (id === 'vesper-bundle-entry' ? entryId : undefined),
    load: (id) =>
      id === entryId
        ? `import kernels from '@vesper/core/kernels.wasm?url';\nimport { openDatabase } from '@vesper/browser';\nexport const open = (url) => openDatabase(url, { kernels });\n`
        : undefined,
  };
  const external = excludeArrow ? [/^apache-arrow/] : [];
  try {
    const out = await build({
      root,
      configFile: false,
      resolve: { conditions: ['vesper-source', ...defaultClientConditions] }, // the packages' sources
      logLevel: 'silent',
      plugins: [entry],
      worker: { format: 'es', rolldownOptions: { external } },
      build: { outDir, write: false, minify: true, assetsInlineLimit: 0, rolldownOptions: { input: 'vesper-bundle-entry', external, preserveEntrySignatures: 'exports-only' } },
    });
    const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : []));
    let gz = 0;
    let raw = 0;
    for (const o of outputs) {
      const bytes = o.type === 'chunk' ? Buffer.from(o.code) : Buffer.from(o.source);
      if (!/\.(js|wasm)$/.test(o.fileName)) continue;
      raw += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
    }
    return { gz, raw, files: outputs.length };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');

export default async function browserBench(argv: string[]): Promise<string> {
  if (!existsSync(CHROMIUM)) {
    const reason = `skipped: ${CHROMIUM} is absent (install Debian's chromium to run the browser benchmark)`;
    console.error(`[bench] browser ${reason}`);
    return `## Browser\n\n${reason}\n`;
  }
  const num = (name: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
  const coldRows = num('cold-rows', 100_000);
  // query workers of the cold-open database (default: the browser's default)
  const coldWorkers = num('cold-workers', -1);
  const coldKinds = (argv.find((a) => a.startsWith('--cold-index='))?.slice('--cold-index='.length) ?? 'HNSW,IVF_PQ').split(',').map((k) => {
    const i = ['HNSW', 'IVF_PQ'].indexOf(k);
    if (i < 0) throw new Error(`--cold-index takes HNSW and/or IVF_PQ, got ${k}`);
    return i;
  });
  const insertRows = num('insert-rows', 51_000);
  const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const parts = new Set(onlyArg === undefined ? ['insert', 'engine', 'cold', 'overhead', 'bundle'] : onlyArg.split(','));
  const browser = await openBenchBrowser({
    label: 'browser',
    plugin: benchPagePlugin('vesper-bench', '/bench.html', 'vesper bench', PAGE_MODULE),
    // another checkout benching on the same machine takes its own port and profile with these
    port: Number(process.env.VESPER_BENCH_PORT ?? PORT),
    profile: process.env.VESPER_BENCH_PROFILE ?? 'vesper-bench-chromium-profile',
    rebuild: argv.includes('--rebuild'),
    root,
  });
  const { context, port } = browser;
  try {
    type Bench = Record<string, (...a: number[]) => Promise<unknown>>;
    const fresh = async () => {
      const page = await context.newPage();
      page.setDefaultTimeout(0);
      await page.goto(`http://127.0.0.1:${port}/bench.html`);
      await page.waitForFunction(() => (globalThis as unknown as { bench?: unknown }).bench !== undefined, undefined, { timeout: 120_000 });
      return page;
    };
    const run = async <T>(name: string, ...args: number[]): Promise<T> => {
      const page = await fresh();
      console.error(`[bench] browser: ${name}(${args.join(', ')})`);
      const out = (await page.evaluate(([n, a]) => ((globalThis as unknown as { bench: Bench }).bench[n as string]!)(...(a as number[])), [name, args] as const)) as T;
      await page.close();
      return out;
    };
    type Cold = { openMs: number; firstSearchMs: number; totalMs: number; hits: number; count: number; recall: number; steadyP50: number };
    const skipped = { rows: 0, ms: NaN };
    const ins = parts.has('insert') ? await run<{ rows: number; ms: number }>('insert', insertRows) : skipped;
    type Engine = { rowsToBatch: number; encode: number; append: number; insert: number };
    const engine = parts.has('engine') ? await run<Engine>('engine', 50) : { rowsToBatch: NaN, encode: NaN, append: NaN, insert: NaN };
    const emptyRuns: { openMs: number; firstCallMs: number }[] = [];
    for (let i = 0; parts.has('cold') && i < 3; i++) emptyRuns.push(await run('openEmpty', coldWorkers));
    const emptyOpen = [...emptyRuns].sort((a, b) => a.openMs + a.firstCallMs - b.openMs - b.firstCallMs)[1];
    const coldRuns = [];
    for (const kind of parts.has('cold') ? coldKinds : []) {
      const build = await run<{ built: boolean; ms: number; why?: string }>('coldBuild', coldRows, kind);
      if (build.built) console.error(`[bench] browser: built the cold-open collection (${build.why ?? ''})`);
      const colds: Cold[] = [];
      for (let i = 0; i < 3; i++) colds.push(await run('coldOpen', coldRows, kind, coldWorkers));
      const cold = [...colds].sort((a, b) => a.totalMs - b.totalMs)[1]!;
      coldRuns.push({ name: ['HNSW (M=16, efConstruction=64; ef=64)', 'IVF_PQ (nlist 2√n rounded to a power of 2, m=96, nbits=8; nprobe=32, refine_k=4)'][kind]!, build, colds, cold });
    }
    const noOver = { worker: NaN, inProcess: NaN };
    const over = parts.has('overhead') ? await run<{ worker: number; inProcess: number }>('overhead', 2_000, 1_000) : noOver;
    // the same on a 1-row collection: the engine's own cost is a few µs, so the difference is the call's
    const fixed = parts.has('overhead') ? await run<{ worker: number; inProcess: number }>('overhead', 1, 1_000) : noOver;
    const echo = parts.has('overhead') ? await run<number>('echo', 1_000) : NaN;
    const noBundle = { gz: NaN, raw: NaN, files: 0 };
    const full = parts.has('bundle') ? await bundleSize(false) : noBundle;
    const noArrow = parts.has('bundle') ? await bundleSize(true) : noBundle;

    const rate = (ins.rows / ins.ms) * 1000;
    const overhead = over.worker - over.inProcess;
    const fixedOverhead = fixed.worker - fixed.inProcess;
    const lines = [
      '## Browser',
      '',
      `Chromium (system ${CHROMIUM}, headless), page served by Vite on 127.0.0.1, ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench -- browser\` (\`--cold-rows=N --cold-index=HNSW,IVF_PQ --insert-rows=N --rebuild\`).`,
      '',
      '| measurement | result | target | |',
      '|---|---|---|---|',
      `| durable insert, 128-d, batches of 1,000, opfs:// (${ins.rows.toLocaleString('en')} rows) | ${Math.round(rate).toLocaleString('en')} vectors/s | ≥ 50,000 vectors/s | ${verdict(rate >= 50_000)} |`,
      `| core CPU per 1,000×128 batch on the page, memory:// (no worker, no IO; best of 6 rounds) | ${engine.insert.toFixed(2)} ms (rowsToBatch ${engine.rowsToBatch.toFixed(2)}, WAL encode ${engine.encode.toFixed(2)}, growing append ${engine.append.toFixed(2)}) | — | |`,
      ...coldRuns.map(({ name, cold }) => `| cold open of ${coldRows.toLocaleString('en')}×384 clustered, COSINE, ${name}, to first result (median of 3 fresh pages); recall@10 of ${50} held-out queries; steady search p50 | ${cold.totalMs.toFixed(0)} ms (open ${cold.openMs.toFixed(0)} + first search ${cold.firstSearchMs.toFixed(0)}); recall ${cold.recall.toFixed(3)}; p50 ${cold.steadyP50.toFixed(2)} ms | < 200 ms at recall ≥ 0.95 | ${verdict(cold.totalMs < 200 && cold.recall >= 0.95)} |`),
      `| search overhead through the worker (2k×128, top-10, 1,000 sequential queries, median of 5 rounds) | ${overhead.toFixed(3)} ms/query (worker ${over.worker.toFixed(3)}, in-process ${over.inProcess.toFixed(3)}) | < 0.1 ms/query | ${verdict(overhead < 0.1)} |`,
      `| the same on a 1-row collection (the call's fixed cost) | ${fixedOverhead.toFixed(3)} ms/query (worker ${fixed.worker.toFixed(3)}, in-process ${fixed.inProcess.toFixed(3)}) | < 0.1 ms/query | ${verdict(fixedOverhead < 0.1)} |`,
      `| floor: a message echoed by a worker doing nothing else (128 floats, round trip) | ${echo.toFixed(3)} ms | — | |`,
      `| bundle: @vesper/browser + worker + WASM, minified + gzip | ${kb(full.gz)} (${kb(full.raw)} raw) | — | |`,
      `| bundle excluding apache-arrow | ${kb(noArrow.gz)} (${kb(noArrow.raw)} raw) | < 150 KB | ${verdict(noArrow.gz < 150 * 1024)} |`,
      '',
      ...(emptyOpen === undefined ? [] : [`The fixed part, an empty opfs:// database opened on a fresh page (median of 3): open ${emptyOpen.openMs.toFixed(0)} ms + first call ${emptyOpen.firstCallMs.toFixed(0)} ms (the page's modules come unbundled from Vite's dev server).`]),
      ...coldRuns.map(({ name, build, colds, cold }) =>
        [
          build.built ? `${name}: built in this run (${(build.ms / 1000).toFixed(1)} s; ${build.why ?? ''}).` : `${name}: reused from the bench profile (\`--rebuild\` rebuilds it).`,
          `Cold opens: ${colds.map((c) => `${c.totalMs.toFixed(0)} ms`).join(', ')} (${cold.hits} hits, ${cold.count.toLocaleString('en')} rows).`,
        ].join(' '),
      ),
      '',
    ];
    return lines.join('\n');
  } finally {
    await browser.close();
  }
}
