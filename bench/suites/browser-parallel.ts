/**
 * Parallel query workers in the browser (issue 5, "parallel search"), measured in the system
 * Chromium (headless, the flags of test/browser/vitest.config.ts) on a page Vite serves from
 * this repository. One opfs:// collection of N×128 float vectors (default 100,000), HNSW
 * (M=16, efConstruction=64, L2), sealed into segments of 25,000 rows (the seal policy's
 * maxRows) — query workers split a collection by sealed segment, so the segment count bounds
 * the parallelism. Built once and kept in a persistent browser profile under the OS temp dir
 * (the page is served on a fixed port, so it is the same origin and the same OPFS next run).
 * Then, per `queryWorkers` setting, on a fresh page with a fresh engine worker:
 *   - single-query latency: sequential top-10 searches (p50, p95);
 *   - throughput: top-10 searches with 8 in flight (queries/s);
 * once the query workers answer (they load in the background after open). Every setting is
 * measured twice, interleaved, and the better run kept; answers are checked identical across
 * settings. Ratios are to queryWorkers: 0 (the engine worker searching alone).
 * Skipped with a printed reason when /usr/bin/chromium is absent.
 * The machine's load average is printed at the start and the end: on shared cores the ratios
 * move with it.
 * `npx tsx bench/index.ts browser-parallel [--rows=N] [--workers=0,1,2,4] [--passes=2] [--rebuild]`
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, benchPagePlugin, openBenchBrowser } from '../lib/bench-page.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** A fixed port keeps the page's origin, and with it the persisted OPFS collection, across runs. */
const PORT = 5391;
const SEGMENT_ROWS = 25_000;
const IN_FLIGHT = 8;

/** The page's measurement module (served as a virtual module; runs in Chromium). */
const PAGE_MODULE = `
import kernels from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '/packages/browser/src/index.ts';

const SEGMENT_ROWS = ${SEGMENT_ROWS};
const engine = { sealPolicy: { maxRows: SEGMENT_ROWS, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 } };
function vectors(n, dim, seed) {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  return Array.from({ length: n }, () => { const v = new Float32Array(dim); for (let i = 0; i < dim; i++) v[i] = rnd(); return v; });
}
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const url = (rows) => 'opfs://bench-parallel-' + rows;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

window.bench = {
  async build(rows) {
    const db = await openDatabase(url(rows), { kernels, engine, queryWorkers: 0 });
    try {
      if ((await db.hasCollection({ collection_name: 'v' })).value) {
        const d = (await db.describeIndex({ collection_name: 'v' })).index_descriptions[0];
        const n = (await db.count({ collection_name: 'v', consistency_level: 'Strong' })).data;
        if (d && d.state === 'Finished' && n === rows) return { built: false, ms: 0 };
        await db.dropCollection({ collection_name: 'v' });
      }
      const t0 = performance.now();
      await db.createCollection({ collection_name: 'v', fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }, { name: 'vector', data_type: 'FloatVector', dim: 128 }] });
      await db.createIndex({ collection_name: 'v', field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 64 } });
      await db.loadCollection({ collection_name: 'v' });
      const vs = vectors(rows, 128, 21);
      for (let b = 0; b < rows; b += 5000) await db.insert({ collection_name: 'v', data: vs.slice(b, b + 5000).map((vector, i) => ({ id: b + i, vector })) });
      await db.flush({ collection_names: ['v'] });
      for (;;) {
        const d = (await db.describeIndex({ collection_name: 'v' })).index_descriptions[0];
        if (d.state === 'Finished' && Number(d.indexed_rows) === rows) break;
        await sleep(200);
      }
      return { built: true, ms: performance.now() - t0 };
    } finally {
      await db.close();
    }
  },
  async measure(rows, workers, sequential, total) {
    const t0 = performance.now();
    const db = await openDatabase(url(rows), { kernels, engine, queryWorkers: workers });
    const qs = vectors(200, 128, 33);
    const search = (i) => db.search({ collection_name: 'v', data: qs[i % qs.length], limit: 10, consistency_level: 'Eventually' });
    await search(0); // the engine has the collection open
    const openMs = performance.now() - t0;
    // wait for the query workers to hold the segments (they load in the background)
    let servedMs = 0;
    if (workers > 0) {
      for (let i = 0; ; i++) {
        const before = (await db.queryWorkerStats()).reads;
        await search(i);
        if ((await db.queryWorkerStats()).reads > before) break;
        if (i > 3000) throw new Error('the query workers never answered');
        await sleep(10);
      }
      servedMs = performance.now() - t0;
    }
    for (let i = 0; i < 100; i++) await search(i); // warm-up
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push((await search(i)).results.map((r) => r.id).join(','));
    const lat = [];
    for (let i = 0; i < sequential; i++) {
      const s = performance.now();
      await search(i);
      lat.push(performance.now() - s);
    }
    let next = 0;
    const t1 = performance.now();
    await Promise.all(Array.from({ length: ${IN_FLIGHT} }, async () => { while (next < total) await search(next++); }));
    const qps = (total / (performance.now() - t1)) * 1000;
    const stats = await db.queryWorkerStats();
    await db.close();
    return { p50: pct(lat, 0.5), p95: pct(lat, 0.95), qps, openMs, servedMs, answers, held: stats.perWorker.map((w) => (w ? w.segments : 0)) };
  },
};
window.dispatchEvent(new Event('bench-ready'));
`;

interface Measured {
  p50: number;
  p95: number;
  qps: number;
  openMs: number;
  servedMs: number;
  answers: string[];
  held: number[];
}

export default async function browserParallelBench(argv: string[]): Promise<string> {
  const title = '### Browser: parallel query workers';
  if (!existsSync(CHROMIUM)) {
    const reason = `skipped: ${CHROMIUM} is absent (install Debian's chromium to run the browser benchmark)`;
    console.error(`[bench] browser-parallel ${reason}`);
    return `${title}\n\n${reason}\n`;
  }
  const arg = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const rows = Number(arg('rows') ?? 100_000);
  const settings = (arg('workers') ?? '0,1,2,4').split(',').map(Number);
  const passes = Number(arg('passes') ?? 2);
  const loadAtStart = loadavg()[0]!;
  const sequential = 300;
  const total = 1_000;
  const browser = await openBenchBrowser({
    label: 'browser-parallel',
    plugin: benchPagePlugin('vesper-bench-parallel', '/parallel.html', 'vesper parallel bench', PAGE_MODULE),
    port: PORT,
    profile: 'vesper-bench-parallel-profile',
    rebuild: argv.includes('--rebuild'),
    root,
  });
  const { context, port } = browser;
  try {
    type Bench = Record<string, (...a: number[]) => Promise<unknown>>;
    const run = async <T>(name: string, ...args: number[]): Promise<T> => {
      const page = await context.newPage();
      page.setDefaultTimeout(0);
      await page.goto(`http://127.0.0.1:${port}/parallel.html`);
      await page.waitForFunction(() => (globalThis as unknown as { bench?: unknown }).bench !== undefined, undefined, { timeout: 120_000 });
      console.error(`[bench] browser-parallel: ${name}(${args.join(', ')})`);
      const out = (await page.evaluate(([n, a]) => ((globalThis as unknown as { bench: Bench }).bench[n as string]!)(...(a as number[])), [name, args] as const)) as T;
      await page.close();
      return out;
    };
    const build = await run<{ built: boolean; ms: number }>('build', rows);
    const best = new Map<number, Measured>();
    for (let pass = 0; pass < passes; pass++) {
      for (const k of settings) {
        const m = await run<Measured>('measure', rows, k, sequential, total);
        const prev = best.get(k);
        if (prev === undefined || m.qps > prev.qps) best.set(k, { ...m, p50: Math.min(m.p50, prev?.p50 ?? Infinity), p95: Math.min(m.p95, prev?.p95 ?? Infinity) });
      }
    }
    const base = best.get(settings[0]!)!;
    const same = settings.every((k) => JSON.stringify(best.get(k)!.answers) === JSON.stringify(base.answers));
    const fmt = (n: number, d = 2): string => n.toFixed(d);
    const segments = Math.ceil(rows / SEGMENT_ROWS);
    const load = `load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
    const lines = [
      title,
      '',
      `Chromium (system ${CHROMIUM}, headless), ${cpus().length} cores (navigator.hardwareConcurrency default: ${Math.max(1, cpus().length - 1)} query worker${cpus().length - 1 > 1 ? 's' : ''}), ${new Date().toISOString().slice(0, 10)}, ${load}. Command: \`npm run bench -- browser-parallel\` (\`--rows=N --workers=0,1,2,4 --passes=2 --rebuild\`).`,
      `${rows.toLocaleString('en')}×128 float vectors in opfs://, HNSW M=16 efConstruction=64 (search ef 64), L2, top-10, ${segments} sealed segments of ${SEGMENT_ROWS.toLocaleString('en')} rows; latency over ${sequential} sequential searches, throughput over ${total.toLocaleString('en')} searches with ${IN_FLIGHT} in flight; better of ${passes} interleaved passes.`,
      '',
      '| queryWorkers | segments per worker | latency p50 | p95 | vs 0 (p50) | throughput | vs 0 | readers serving after open |',
      '|---|---|---|---|---|---|---|---|',
      ...settings.map((k) => {
        const m = best.get(k)!;
        return `| ${k} | ${k === 0 ? '— (engine worker)' : m.held.join(' / ')} | ${fmt(m.p50)} ms | ${fmt(m.p95)} ms | ${fmt(base.p50 / m.p50)}× | ${Math.round(m.qps).toLocaleString('en')} q/s | ${fmt(m.qps / base.qps)}× | ${k === 0 ? '—' : `${(m.servedMs / 1000).toFixed(1)} s`} |`;
      }),
      '',
      `Answers (top-10 ids of 20 queries) identical across settings: ${same ? 'yes' : '**no**'}. ${build.built ? `The collection was built in this run (${(build.ms / 1000).toFixed(1)} s).` : 'The collection was reused from the bench profile (`--rebuild` rebuilds it).'}`,
      '',
    ];
    return lines.join('\n');
  } finally {
    await browser.close();
  }
}
