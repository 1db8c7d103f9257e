/**
 * The markdown rows of a memory-budget run (Node: bench/suites/budget.ts; Chromium:
 * bench/suites/browser.ts --only=budget), with the targets of issue 17.
 */
import { ivfPqResidentBytes } from '../../packages/core/src/index/ivf-pq-index.ts';
import { DIM, INDEX_PARAMS, SWEEP, type BuildReport, type SettingReport } from './budget-run.ts';

/** Rows of a sealed segment under the default seal policy. */
const SEGMENT_ROWS = 100_000;

export interface BudgetOpen {
  readonly openMs: number;
  readonly search: readonly SettingReport[];
  readonly wasmBytes: number;
  readonly cache: { readonly capacity: number; readonly residentBytes: number };
}

/** The index's hot parts over n rows in 100k-row segments (what `bytesUsed` reports; outside the budget). */
export function hotBytes(n: number): number {
  let sum = 0;
  for (let at = 0; at < n; at += SEGMENT_ROWS) sum += ivfPqResidentBytes(Math.min(SEGMENT_ROWS, n - at), DIM, INDEX_PARAMS);
  return sum;
}

export function budgetTable(n: number, budget: number, built: BuildReport, open: BudgetOpen): string[] {
  const MB = (b: number): string => (b / 2 ** 20).toFixed(1);
  const ms = (x: number): string => x.toFixed(2);
  const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const hot = hotBytes(n);
  const setting = (r: SettingReport, i: number): string[] => {
    const name = `nprobe ${SWEEP[i]!.nprobe}, refine_k ${SWEEP[i]!.refine_k}`;
    const f = r.first;
    return [
      `| ${name}: recall@10 | ${f.recall.toFixed(3)} | ≥ 0.95 | ${verdict(f.recall >= 0.95)} |`,
      `| ${name}: p50 / p99, ${i === 0 ? 'cache empty' : 'new queries'} (repeat) | ${ms(f.p50)} / ${ms(f.p99)} ms (${ms(r.repeat.p50)} / ${ms(r.repeat.p99)} ms) | p50 < 15 ms | ${verdict(f.p50 < 15)} (${verdict(r.repeat.p50 < 15)}) |`,
      `| ${name}: bytes read by range per query (repeat) | ${Math.round(f.bytesReadPerQuery).toLocaleString('en-US')} B (${Math.round(r.repeat.bytesReadPerQuery).toLocaleString('en-US')} B) | — | |`,
    ];
  };
  return [
    '| measurement | result | target | |',
    '|---|---|---|---|',
    `| build: insert (durable) / index (flush to every segment indexed) | ${(built.insertMs / 1000).toFixed(1)} s / ${(built.indexMs / 1000).toFixed(1)} s (${Math.round((n / built.totalMs) * 1000).toLocaleString('en-US')} rows/s end to end) | — | |`,
    `| reopen (openDatabase + loadCollection, cold) | ${open.openMs.toFixed(0)} ms | — | |`,
    ...open.search.flatMap(setting),
    `| block cache resident / capacity | ${MB(open.cache.residentBytes)} / ${MB(open.cache.capacity)} MiB | ≤ budget ${MB(budget)} MiB | ${verdict(open.cache.residentBytes <= budget)} |`,
    `| WASM memory (hot parts: codes, ids, centroids, codebooks; plus kernel scratch) | ${MB(open.wasmBytes)} MiB (index hot parts by formula: ${MB(hot)} MiB) | fixed overhead, stated | |`,
    `| cache + WASM memory | ${MB(open.cache.residentBytes + open.wasmBytes)} MiB | budget + fixed overhead (the hot parts) | |`,
  ];
}
