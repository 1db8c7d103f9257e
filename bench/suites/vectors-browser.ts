/**
 * HNSW in the browser (issue 4's "≥ 2× hnswlib-wasm" target, which cannot be measured in Node:
 * hnswlib-wasm 0.8.2 is a web-only build). In the system Chromium (headless), on a page Vite
 * serves from this repository, one page builds HNSW (M=16, efConstruction=200) with Vesper
 * (kernels from `@vesper/core/kernels.wasm?url` + initKernels; HNSW and HNSW_SQ) and with
 * hnswlib-wasm on the same seeded clustered data (the generator of bench/suites/vectors.ts),
 * exact ground truth from Vesper's FLAT, then sweeps ef (k=10, one query per call, best of 3
 * passes per point, all timed inside the page) and reports QPS at recall@10 ≥ 0.90/0.95/0.99
 * and ratios to hnswlib-wasm. Skipped with a printed reason when /usr/bin/chromium is absent.
 * `npx tsx bench/index.ts vectors-browser [--n=50000] [--dim=128]`
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchPagePlugin } from '../lib/bench-page.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const root = fileURLToPath(new URL('../..', import.meta.url));
const TARGETS = [0.9, 0.95, 0.99];

/** The page's measurement module (a virtual module; runs in Chromium). */
const PAGE_MODULE = `
import kernels from '@vesper/core/kernels.wasm?url';
import { initKernels } from '/packages/core/src/kernels/index.ts';
import { exactSearch, getIndexFactory } from '/packages/core/src/index/index.ts';
import { clustered, recall } from '/test/indexes/fixtures.ts';
import { loadHnswlib } from 'hnswlib-wasm';

const K = 10;
const EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
const REPS = 3;
let data;

function sweep(search, setEf) {
  const { queries, nq, dim, truth } = data;
  const points = [];
  for (const ef of EFS) {
    setEf(ef);
    const rows = new Int32Array(nq * K).fill(-1);
    search(queries.subarray(0, dim)); // warm-up
    let qps = 0;
    for (let rep = 0; rep < REPS; rep++) {
      const t0 = performance.now();
      for (let qi = 0; qi < nq; qi++) {
        const r = search(queries.subarray(qi * dim, (qi + 1) * dim));
        for (let i = 0; i < Math.min(K, r.length); i++) rows[qi * K + i] = r[i];
      }
      qps = Math.max(qps, (nq / (performance.now() - t0)) * 1000);
    }
    const rc = recall(rows, truth, nq, K);
    points.push({ ef, recall: rc, qps });
    if (rc >= 0.999) break;
  }
  return points;
}

window.bench = {
  async prepare(n, dim, nq) {
    await initKernels(new URL(kernels, location.href));
    const all = clustered(1234, n + nq, dim, { clusters: 50, rank: 32, noise: 0.05 });
    const base = all.subarray(0, n * dim);
    const queries = all.slice(n * dim);
    const col = { type: 101, length: n, dim, data: base };
    const t0 = performance.now();
    const truth = exactSearch(col, 'L2', queries, nq, K).rows;
    data = { n, dim, nq, base, queries, truth, col };
    return { truthMs: performance.now() - t0, ua: navigator.userAgent };
  },
  async vesper(type) {
    const params = type === 'HNSW_SQ' ? { M: 16, efConstruction: 200, sq_type: 'SQ8', refine: true, refine_type: 'FP32' } : { M: 16, efConstruction: 200 };
    const t0 = performance.now();
    const idx = await getIndexFactory(type).build(data.col, 'L2', params);
    const buildMs = performance.now() - t0;
    let p = {};
    const points = sweep((q) => idx.search(q, 1, K, { params: p }).rows, (ef) => { p = { ef }; });
    idx.dispose();
    return { buildMs, points };
  },
  async hnswlib() {
    const lib = await loadHnswlib();
    const idx = new lib.HierarchicalNSW('l2', data.dim, '');
    idx.initIndex(data.n, 16, 200, 100);
    const t0 = performance.now();
    for (let i = 0; i < data.n; i++) idx.addPoint(data.base.subarray(i * data.dim, (i + 1) * data.dim), i, false);
    const buildMs = performance.now() - t0;
    const points = sweep((q) => idx.searchKnn(q, K, undefined).neighbors, (ef) => idx.setEfSearch(ef));
    return { buildMs, points };
  },
};
window.dispatchEvent(new Event('bench-ready'));
`;


interface Point { ef: number; recall: number; qps: number }
interface Result { system: string; buildMs: number; points: Point[] }

const best = (pts: Point[], t: number): number | undefined => {
  const ok = pts.filter((p) => p.recall >= t);
  return ok.length === 0 ? undefined : Math.max(...ok.map((p) => p.qps));
};
const fmt = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`);

export default async function vectorsBrowser(argv: string[]): Promise<string> {
  if (!existsSync(CHROMIUM)) {
    const reason = `skipped: ${CHROMIUM} is absent (install Debian's chromium to run the browser vector benchmark)`;
    console.error(`[bench] vectors-browser ${reason}`);
    return `## Vector indexes in Chromium\n\n${reason}\n`;
  }
  const num = (name: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
  const n = num('n', 50_000);
  const dim = num('dim', 128);
  const nq = 200;
  const { chromium } = await import('playwright');
  const { createServer, defaultClientConditions } = await import('vite');
  const server = await createServer({
    root,
    configFile: false,
    resolve: { conditions: ['vesper-source', ...defaultClientConditions] }, // the packages' sources
    logLevel: 'error',
    plugins: [benchPagePlugin('vesper-vbench', '/vbench.html', 'vesper vector bench', PAGE_MODULE)],
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    optimizeDeps: { include: ['hnswlib-wasm'], exclude: ['@vesper/core'] },
  });
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    await server.listen();
    const addr = server.httpServer?.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    page.on('pageerror', (e) => console.error(`[bench] vectors-browser page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/vbench.html`);
    await page.waitForFunction(() => (globalThis as unknown as { bench?: unknown }).bench !== undefined, undefined, { timeout: 120_000 });
    type Bench = Record<string, (...a: unknown[]) => Promise<unknown>>;
    const call = async <T>(name: string, ...args: unknown[]): Promise<T> => {
      console.error(`[bench] vectors-browser: ${name}(${args.join(', ')})`);
      return (await page.evaluate(([nm, a]) => ((globalThis as unknown as { bench: Bench }).bench[nm as string]!)(...(a as unknown[])), [name, args] as const)) as T;
    };
    const prep = await call<{ truthMs: number; ua: string }>('prepare', n, dim, nq);
    const results: Result[] = [];
    const tryRun = async (system: string, f: () => Promise<{ buildMs: number; points: Point[] }>): Promise<void> => {
      try {
        results.push({ system, ...(await f()) });
      } catch (e) {
        console.error(`[bench] vectors-browser ${system} failed: ${(e as Error).message}`);
        results.push({ system: `${system} (failed: ${(e as Error).message.slice(0, 80)})`, buildMs: NaN, points: [] });
      }
    };
    await tryRun('hnswlib-wasm', () => call('hnswlib'));
    await tryRun('Vesper HNSW', () => call('vesper', 'HNSW'));
    await tryRun('Vesper HNSW_SQ (SQ8 + FP32 refine)', () => call('vesper', 'HNSW_SQ'));
    const ref = results[0]!;
    const chrome = /Chrome\/([\d.]+)/.exec(prep.ua)?.[1] ?? 'unknown';
    const lines = [
      '### In Chromium: Vesper vs hnswlib-wasm',
      '',
      `Chromium ${chrome} (system ${CHROMIUM}, headless), page served by Vite on 127.0.0.1, ${new Date().toISOString()}. clustered-${Math.round(n / 1000)}k×${dim} (the vectors suite's generator, seed 1234, ${nq} queries, L2), M=16, efConstruction=200, k=10, one query per call, best of 3 passes per ef; exact ground truth by Vesper FLAT (${(prep.truthMs / 1000).toFixed(1)} s). Ratios are to hnswlib-wasm in this run. Command: \`npx tsx bench/index.ts vectors-browser --n=${n} --dim=${dim}\`.`,
      '',
      '| system | build vec/s | ×wasm | QPS@0.90 | ×wasm | QPS@0.95 | ×wasm | QPS@0.99 | ×wasm |',
      '|---|---|---|---|---|---|---|---|---|',
    ];
    for (const r of results) {
      const rate = (n / r.buildMs) * 1000;
      const cells = TARGETS.map((t) => `${fmt(best(r.points, t))} | ${ratio(best(r.points, t), best(ref.points, t))}`);
      lines.push(`| ${r.system} | ${fmt(rate)} | ${ratio(rate, (n / ref.buildMs) * 1000)} | ${cells.join(' | ')} |`);
    }
    lines.push('', '<details><summary>sweeps (ef:recall@QPS)</summary>', '');
    for (const r of results) lines.push(`- ${r.system}: ${r.points.map((p) => `${p.ef}:${p.recall.toFixed(3)}@${Math.round(p.qps)}`).join(' ')}`);
    lines.push('', '</details>', '');
    return lines.join('\n');
  } finally {
    await browser?.close();
    await server.close();
  }
}
