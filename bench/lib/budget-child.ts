/**
 * One process of the Node memory-budget run (bench/suites/budget.ts; the shared steps are in
 * budget-run.ts). Prints one JSON line last on stdout.
 *
 *   budget-child build <n> <seed> <dir>        the collection in <dir>/db (no budget), and
 *                                              <dir>/truth.json: the queries and their exact top-10
 *   budget-child open <n> <seed> <dir> <bytes> <dir>/db reopened cold with memoryBudget = bytes;
 *                                              two passes of the queries (cold cache, then warm)
 *
 * The open process never generates the data set, so its memory is the database's alone.
 * Runs with --expose-gc (the open process measures after a forced GC).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../packages/core/src/node/open-database.ts';
import { COLLECTION, K, NQ, budgetSet, buildBudgetCollection, exactTopK, searchSweep } from './budget-run.ts';

const [mode, nArg, seedArg, dir, budgetArg] = process.argv.slice(2);
const n = Number(nArg);
const seed = Number(seedArg);
const log = (msg: string): void => console.error(`[bench:budget] ${mode}: ${msg}`);

function rss(): { rss: number; peak: number } {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function build(): Promise<object> {
  const t0 = performance.now();
  const { base, queries } = budgetSet(n, seed);
  log(`generated ${n}×128 in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = performance.now();
  const truth = exactTopK(base, n, queries);
  log(`exact top-${K} of ${NQ} queries in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  writeFileSync(join(dir!, 'truth.json'), JSON.stringify({ queries: Array.from(queries), truth: Array.from(truth) }));
  const db = await openDatabase({ path: join(dir!, 'db') });
  const report = await buildBudgetCollection(db, base, n, log);
  await db.close();
  return { ...report, peakRss: rss().peak };
}

async function open(): Promise<object> {
  const budget = Number(budgetArg);
  const { queries, truth } = JSON.parse(readFileSync(join(dir!, 'truth.json'), 'utf8')) as { queries: number[]; truth: number[] };
  const q = Float32Array.from(queries);
  const t = Int32Array.from(truth);
  const before = rss().rss;
  const t0 = performance.now();
  const db = await openDatabase({ path: join(dir!, 'db'), memoryBudget: budget });
  await db.loadCollection({ collection_name: COLLECTION });
  const openMs = performance.now() - t0;
  const bytesRead = async (): Promise<number> => db.stats().blockCache.bytesRead;
  const search = await searchSweep(db, q, t, bytesRead);
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3 && gc; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const st = db.stats();
  const m = process.memoryUsage();
  const r = rss();
  await db.close();
  return {
    openMs, search, budget, cache: st.blockCache, wasmBytes: st.wasmMemoryBytes,
    rssBeforeOpen: before, rss: r.rss, peakRss: r.peak, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers,
  };
}

const out = mode === 'build' ? await build() : mode === 'open' ? await open() : undefined;
if (out === undefined) throw new Error(`unknown mode ${mode}`);
console.log(JSON.stringify(out));
process.exit(0);
