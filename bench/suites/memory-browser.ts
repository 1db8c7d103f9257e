/**
 * Memory in the browser (issue 17's peers column): what a Chromium tab costs once it holds a
 * seeded clustered set in a searchable index — Vesper (openDatabase on OPFS, HNSW, with its
 * default query workers and with none; then the same database reopened cold), hnswlib-wasm,
 * Orama and PGlite + pgvector, each in its own fresh Chromium so nothing is shared. The page
 * generates the set, hands it to the system, runs 20 searches, drops the set and collects
 * garbage; then this process reads the memory of every process of that Chromium from /proc
 * (Linux): the RSS of its largest renderer (the tab: page, dedicated workers and their WASM
 * memories all live there) and the PSS of all of its processes together. A blank page in
 * the same setup is the baseline; "net" subtracts it; an empty Vesper database states the
 * engine's fixed cost (its workers' isolates, modules and WASM instances). Before measuring, a
 * critical memory-pressure signal (CDP) makes every isolate, workers included, collect. All systems index with L2; Vesper and
 * hnswlib-wasm build HNSW M=16, efConstruction=200, pgvector HNSW m=16, ef_construction=200
 * (its graph build kept in memory), Orama keeps its documents' vectors and scans them.
 *
 * `npx tsx --conditions=vesper-source bench/index.ts memory-browser [--mem-n=100000] [--mem-dim=128] [--mem-systems=a,b] [--mem-settle-ms=30000]` (the wait after the pressure signal; workers collect lazily, so shorter waits measure garbage)
 * Skipped with a printed reason when /usr/bin/chromium or /proc is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, benchPagePlugin, openBenchBrowser } from '../lib/bench-page.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PORT = 5297;

const PAGE_MODULE = `
import kernels from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '/packages/browser/src/index.ts';
import { clustered } from '/test/indexes/fixtures.ts';
import { loadHnswlib } from 'hnswlib-wasm';
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const NQ = 20;
const K = 10;
const HNSW = { M: 16, efConstruction: 200 };
// what each system keeps reachable, so the collector cannot take it before the measure
const kept = [];

function dataset(n, dim, seed) {
  const all = clustered(seed, n + NQ, dim, { clusters: 50, rank: 32, noise: 0.05 });
  return { base: all.subarray(0, n * dim), queries: Array.from({ length: NQ }, (_, i) => all.slice((n + i) * dim, (n + i + 1) * dim)) };
}

async function collect() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function vesper(n, dim, seed, url, workers, build) {
  let d = dataset(n, dim, seed);
  const queries = d.queries;
  const db = await openDatabase(url, { kernels, multiTab: false, ...(workers >= 0 ? { queryWorkers: workers } : {}) });
  if (build) {
    await db.createCollection({
      collection_name: 'mem',
      fields: [{ name: 'id', data_type: 'Int64', is_primary_key: true }, { name: 'vector', data_type: 'FloatVector', dim }],
      index_params: [{ field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: HNSW }],
    });
    for (let s = 0; s < n; s += 5000) {
      const rows = [];
      for (let i = s; i < Math.min(n, s + 5000); i++) rows.push({ id: i, vector: d.base.subarray(i * dim, (i + 1) * dim) });
      await db.insert({ collection_name: 'mem', data: rows });
    }
    await db.flush({ collection_names: ['mem'] });
    for (;;) {
      const x = (await db.describeIndex({ collection_name: 'mem' })).index_descriptions[0];
      if (Number(x.indexed_rows) >= n && Number(x.pending_index_rows) === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await db.loadCollection({ collection_name: 'mem' });
  d = undefined;
  let hits = 0;
  for (const q of queries) hits += (await db.search({ collection_name: 'mem', data: q, limit: K, search_params: { params: { ef: 64 } }, consistency_level: 'Eventually' })).results.length;
  const st = await db.stats();
  kept.push(db);
  return { hits, wasmBytes: st.wasmMemoryBytes };
}

window.bench = {
  async vesperEmpty(workers) {
    const db = await openDatabase('opfs://mem-bench-empty', { kernels, multiTab: false, ...(workers >= 0 ? { queryWorkers: workers } : {}) });
    await db.listCollections();
    const st = await db.stats();
    kept.push(db);
    await collect();
    return { hits: 0, wasmBytes: st.wasmMemoryBytes, jsHeap: performance.memory?.usedJSHeapSize };
  },
  async blank() {
    await collect();
    return { hits: 0, jsHeap: performance.memory?.usedJSHeapSize };
  },
  async vesper(n, dim, seed, workers) {
    const r = await vesper(n, dim, seed, 'opfs://mem-bench-' + n + 'x' + dim + '-w' + workers, workers, true);
    await collect();
    return { ...r, jsHeap: performance.memory?.usedJSHeapSize };
  },
  async vesperOpen(n, dim, seed, workers) {
    const r = await vesper(n, dim, seed, 'opfs://mem-bench-' + n + 'x' + dim + '-w' + workers, workers, false);
    await collect();
    return { ...r, jsHeap: performance.memory?.usedJSHeapSize };
  },
  async hnswlib(n, dim, seed) {
    let d = dataset(n, dim, seed);
    const lib = await loadHnswlib();
    const idx = new lib.HierarchicalNSW('l2', dim, '');
    idx.initIndex(n, HNSW.M, HNSW.efConstruction, 100);
    for (let i = 0; i < n; i++) idx.addPoint(d.base.subarray(i * dim, (i + 1) * dim), i, false);
    idx.setEfSearch(64);
    const queries = d.queries;
    d = undefined;
    let hits = 0;
    for (const q of queries) hits += idx.searchKnn(q, K, undefined).neighbors.length;
    kept.push(idx, lib);
    await collect();
    return { hits, jsHeap: performance.memory?.usedJSHeapSize };
  },
  async orama(n, dim, seed) {
    let d = dataset(n, dim, seed);
    const db = create({ schema: { rid: 'number', v: 'vector[' + dim + ']' } });
    for (let s = 0; s < n; s += 5000) {
      const docs = [];
      for (let i = s; i < Math.min(n, s + 5000); i++) docs.push({ rid: i, v: Array.from(d.base.subarray(i * dim, (i + 1) * dim)) });
      await insertMultiple(db, docs, 1000);
    }
    const queries = d.queries;
    d = undefined;
    let hits = 0;
    for (const q of queries) hits += (await oramaSearch(db, { mode: 'vector', vector: { value: Array.from(q), property: 'v' }, similarity: -1, limit: K, includeVectors: false })).hits.length;
    kept.push(db);
    await collect();
    return { hits, jsHeap: performance.memory?.usedJSHeapSize };
  },
  async pglite(n, dim, seed) {
    let d = dataset(n, dim, seed);
    const pg = await PGlite.create({ extensions: { vector } });
    await pg.exec('CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE items (id int, v vector(' + dim + '))');
    await pg.exec("SET maintenance_work_mem = '512MB'");
    const lit = (a) => '[' + Array.from(a).join(',') + ']';
    for (let s = 0; s < n; s += 500) {
      const vals = [];
      for (let i = s; i < Math.min(n, s + 500); i++) vals.push('(' + i + ", '" + lit(d.base.subarray(i * dim, (i + 1) * dim)) + "')");
      await pg.exec('INSERT INTO items VALUES ' + vals.join(','));
    }
    await pg.exec('CREATE INDEX items_v ON items USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 200)');
    await pg.exec('SET hnsw.ef_search = 64');
    const queries = d.queries;
    d = undefined;
    let hits = 0;
    for (const q of queries) hits += (await pg.query('SELECT id FROM items ORDER BY v <-> $1 LIMIT ' + K, [lit(q)])).rows.length;
    kept.push(pg);
    await collect();
    return { hits, jsHeap: performance.memory?.usedJSHeapSize };
  },
};
window.dispatchEvent(new Event('bench-ready'));
`;

interface ProcMem { pid: number; type: string; rss: number; pss: number }

/** Every process of the Chromium whose user data dir is `profile`: the browser and its descendants. */
function chromiumProcesses(profile: string): ProcMem[] {
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number);
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: fields start after the last ')'
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // the process ended while the table was read
    }
  }
  const browser = [...cmd].find(([, c]) => c.includes(`--user-data-dir=${profile}`) && !c.includes('--type='))?.[0];
  if (browser === undefined) throw new Error(`no Chromium process with --user-data-dir=${profile}`);
  const tree = new Set([browser]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, pp] of parent) {
      if (!tree.has(pid) && tree.has(pp)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  const out: ProcMem[] = [];
  for (const pid of tree) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (text: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
      const type = /--type=(\S+)/.exec(cmd.get(pid) ?? '')?.[1] ?? 'browser';
      out.push({ pid, type, rss: kb(status, 'VmRSS'), pss: kb(rollup, 'Pss') });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

interface Measure { system: string; tabRss: number; totalPss: number; renderers: number; jsHeap?: number; wasmBytes?: number; hits: number; ms: number }

const MB = (b: number | undefined): string => (b === undefined || !Number.isFinite(b) ? '—' : (b / 2 ** 20).toFixed(0));

/** Runs one system in a fresh Chromium (its own profile: `keep` reuses a profile, so OPFS persists). */
async function runOne(system: string, fn: string, args: number[], profile: string, rebuild: boolean, settleMs: number): Promise<Measure> {
  const browser = await openBenchBrowser({
    label: 'memory-browser',
    plugin: benchPagePlugin('vesper-membench', '/membench.html', 'vesper memory bench', PAGE_MODULE),
    port: Number(process.env.VESPER_BENCH_PORT ?? PORT),
    profile,
    rebuild,
    root,
    deps: { include: ['hnswlib-wasm', '@orama/orama'], exclude: ['@electric-sql/pglite', '@electric-sql/pglite-pgvector'] },
    args: ['--js-flags=--expose-gc', '--enable-precise-memory-info'],
  });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(0);
    page.on('pageerror', (e) => console.error(`[bench] memory-browser page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${browser.port}/membench.html`);
    await page.waitForFunction(() => (globalThis as unknown as { bench?: unknown }).bench !== undefined, undefined, { timeout: 120_000 });
    console.error(`[bench] memory-browser: ${system}`);
    const t0 = performance.now();
    type Bench = Record<string, (...a: number[]) => Promise<{ hits: number; jsHeap?: number; wasmBytes?: number }>>;
    const r = await page.evaluate(([nm, a]) => (globalThis as unknown as { bench: Bench }).bench[nm as string]!(...(a as number[])), [fn, args] as const);
    const ms = performance.now() - t0;
    // the page collected its own garbage; a critical memory-pressure signal makes every isolate
    // of the browser (the engine and query workers too) collect and release what it can
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Memory.simulatePressureNotification', { level: 'critical' });
    await new Promise((res) => setTimeout(res, settleMs));
    const procs = chromiumProcesses(join(tmpdir(), profile));
    const renderers = procs.filter((p) => p.type === 'renderer');
    const tab = renderers.reduce((a, p) => (p.rss > a ? p.rss : a), 0);
    return { system, tabRss: tab, totalPss: procs.reduce((a, p) => a + p.pss, 0), renderers: renderers.length, jsHeap: r.jsHeap, wasmBytes: r.wasmBytes, hits: r.hits, ms };
  } finally {
    await browser.close();
  }
}

export default async function memoryBrowser(argv: string[]): Promise<string> {
  const title = '## Memory in Chromium: Vesper vs hnswlib-wasm, Orama, PGlite + pgvector';
  if (!existsSync(CHROMIUM) || !existsSync('/proc/self/smaps_rollup')) {
    const reason = `skipped: needs ${CHROMIUM} and Linux /proc`;
    console.error(`[bench] memory-browser ${reason}`);
    return `${title}\n\n${reason}\n`;
  }
  const num = (name: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
  const n = num('mem-n', 100_000);
  const dim = num('mem-dim', 128);
  const seed = 1234 + n + dim;
  const settleMs = num('mem-settle-ms', 30_000);
  const all = ['blank', 'vesper-empty', 'vesper-0-empty', 'vesper', 'vesper-open', 'vesper-0', 'vesper-0-open', 'hnswlib-wasm', 'orama', 'pglite'];
  const only = argv.find((a) => a.startsWith('--mem-systems='))?.slice('--mem-systems='.length).split(',');
  const want = new Set(only ?? all);
  const load = loadavg().map((l) => l.toFixed(1)).join(' / ');
  const plans: [system: string, label: string, fn: string, args: number[], profile: string, rebuild: boolean][] = [
    ['blank', 'blank page (baseline)', 'blank', [], 'vesper-membench-blank', true],
    ['vesper-empty', 'Vesper, an empty opfs:// database, default query workers (1 here)', 'vesperEmpty', [-1], 'vesper-membench-empty', true],
    ['vesper-0-empty', 'Vesper, an empty opfs:// database, queryWorkers: 0', 'vesperEmpty', [0], 'vesper-membench-empty0', true],
    ['vesper', 'Vesper, opfs://, default query workers (1 here), built', 'vesper', [n, dim, seed, -1], 'vesper-membench-vesper', true],
    ['vesper-open', 'Vesper, opfs://, default query workers, reopened cold', 'vesperOpen', [n, dim, seed, -1], 'vesper-membench-vesper', false],
    ['vesper-0', 'Vesper, opfs://, queryWorkers: 0, built', 'vesper', [n, dim, seed, 0], 'vesper-membench-vesper0', true],
    ['vesper-0-open', 'Vesper, opfs://, queryWorkers: 0, reopened cold', 'vesperOpen', [n, dim, seed, 0], 'vesper-membench-vesper0', false],
    ['hnswlib-wasm', 'hnswlib-wasm 0.8.2, built in the page', 'hnswlib', [n, dim, seed], 'vesper-membench-hnswlib', true],
    ['orama', '@orama/orama 3.1.18 (vectors kept, exact scan)', 'orama', [n, dim, seed], 'vesper-membench-orama', true],
    ['pglite', 'PGlite 0.5.14 + pgvector HNSW (in-memory database)', 'pglite', [n, dim, seed], 'vesper-membench-pglite', true],
  ];
  const rows: [string, Measure | string][] = [];
  for (const [system, label, fn, args, profile, rebuild] of plans) {
    if (!want.has(system)) continue;
    try {
      rows.push([label, await runOne(system, fn, args, profile, rebuild, settleMs)]);
    } catch (e) {
      console.error(`[bench] memory-browser ${system} failed: ${(e as Error).message}`);
      rows.push([label, `failed: ${(e as Error).message.split('\n')[0]!.slice(0, 120)}`]);
    }
  }
  const base = rows.map(([, m]) => m).find((m): m is Measure => typeof m !== 'string' && m.system === 'blank');
  const hnsw = rows.map(([, m]) => m).find((m): m is Measure => typeof m !== 'string' && m.system === 'hnswlib-wasm');
  const net = (m: Measure): number | undefined => (base === undefined ? undefined : m.tabRss - base.tabRss);
  const out = [
    title, '',
    `${new Date().toISOString()}, load average ${load} at start. ${n.toLocaleString('en-US')}×${dim} clustered float vectors (vectors alone: ${MB(n * dim * 4)} MB), L2, seed ${seed}; each system in its own fresh headless Chromium (Debian's), 20 searches at k=10 (HNSW ef 64), the set dropped and garbage collected before measuring. Tab RSS: the largest renderer process (page + dedicated workers + their WASM memories); total PSS: every process of that Chromium. "× hnswlib-wasm" compares net tab RSS (minus the blank page). Command: \`npx tsx --conditions=vesper-source bench/index.ts memory-browser --mem-n=${n} --mem-dim=${dim}\`.`, '',
    '| system | tab RSS MB | net tab RSS MB | × hnswlib-wasm (net) | total PSS MB | page JS heap MB | Vesper WASM MB (engine worker) | hits | s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [label, m] of rows) {
    if (typeof m === 'string') {
      out.push(`| ${label} | ${m} | | | | | | | |`);
      continue;
    }
    const x = hnsw === undefined || m.system === 'blank' || m === hnsw ? '—' : `${((net(m) ?? NaN) / (net(hnsw) ?? NaN)).toFixed(2)}×`;
    out.push(`| ${label} | ${MB(m.tabRss)} | ${MB(net(m))} | ${x} | ${MB(m.totalPss)} | ${MB(m.jsHeap)} | ${MB(m.wasmBytes)} | ${m.hits} | ${(m.ms / 1000).toFixed(0)} |`);
  }
  out.push('');
  return out.join('\n');
}
