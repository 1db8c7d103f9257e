/**
 * The Measure panel: a sweep of ef (HNSW) or nprobe (IVF, IVF_PQ at the chosen refine_k)
 * plotting recall@10 against exact search vs median latency per query, and the readouts — cold
 * open after a reload, storage used and whether it is persistent, query-worker stats, the
 * memory budget and block caches (db.stats()), and this tab's multi-tab role.
 */
import { searchParamOf, type App } from '../app.ts';
import type { Backend } from '../backend/backend.ts';
import { BrowserBackend, type CacheStats } from '../backend/browser-backend.ts';
import { loadPapers, PAPERS_COLLECTION } from '../data/arxiv.ts';
import { recall } from '../data/exact.ts';
import { renderPlot, type PlotPoint } from './plot.ts';
import { MEASURED, refineK } from './search-panel.ts';
import { $, busy, bytes, el, int, ms, status } from './dom.ts';

const SWEEP_QUERIES = 50;

/** Query vectors for a sweep: held-out papers for the papers, else rows of the collection. */
async function sweepQueries(app: App): Promise<number[][]> {
  const c = app.collection!;
  if (c.name === PAPERS_COLLECTION && c.dim === 384) return (await loadPapers()).query.slice(0, SWEEP_QUERIES).map((p) => Array.from(p.vector));
  return app.sampleVectors(SWEEP_QUERIES);
}

export async function sweep(app: App): Promise<PlotPoint[]> {
  const c = app.collection;
  if (c === undefined) throw new Error('no collection to measure: load the papers first');
  const sp = searchParamOf(c.index?.indexType);
  const queries = await sweepQueries(app);
  status(`sweep: exact search for ${queries.length} queries…`);
  const t0 = performance.now();
  const truths = await app.exactMany(queries, 10, '', (n, total) => status(`sweep: exact search for ${queries.length} queries, ${int(n)} / ${int(total)} rows scanned…`));
  const exactMs = performance.now() - t0;
  const settings = sp ? sp.sweep.filter((v) => sp.name !== 'nprobe' || v <= Number(c.index?.params['nlist'] ?? 128)) : [0];
  const fixed: Record<string, number> = sp?.refine ? { refine_k: refineK() } : {};
  const paramsAt = (v: number): Record<string, number> | undefined => (sp ? { [sp.name]: v, ...fixed } : undefined);
  // one unmeasured pass first: the first searches also pay for JIT warm-up and cold caches
  for (const q of queries) await app.backend.search(c.name, { vector: q, annsField: c.vectorField, limit: 10, ...(sp ? { params: paramsAt(settings[0]!) } : {}), outputFields: [] });
  const points: PlotPoint[] = [];
  for (const v of settings) {
    const times: number[] = [];
    let sum = 0;
    for (const [i, q] of queries.entries()) {
      const res = await app.backend.search(c.name, { vector: q, annsField: c.vectorField, limit: 10, ...(sp ? { params: paramsAt(v) } : {}), outputFields: [] });
      times.push(res.clientMs);
      sum += recall(res.value.map((h) => h.id), truths[i]!);
    }
    // the median: on a busy machine a few slow calls would move a mean more than the setting does
    times.sort((a, b) => a - b);
    points.push({ label: sp ? `${sp.name}=${v}` : (c.index?.indexType ?? 'exact'), latencyMs: times[times.length >> 1]!, recall: sum / queries.length });
    status(`sweep: ${points.length} / ${settings.length} settings`);
    renderPlot($('plot'), points, `${c.name} (${c.index?.indexType ?? 'no index'}, ${int(c.rows)} rows) on ${app.backend.label}: ${queries.length} queries per point${sp?.refine ? `, refine_k=${fixed['refine_k']}` : ''}${sp ? '' : '; this index has no search parameter to sweep'}`);
  }
  status(`sweep done: ${points.map((p) => `${p.label} recall ${p.recall.toFixed(3)} in ${ms(p.latencyMs)}`).join('; ')} (exact search for the truth: ${ms(exactMs)})`);
  return points;
}

export interface ColdOpen {
  readonly ms: number;
  /** Rows found already stored when the page opened (0 on a first visit). */
  readonly rows: number;
  readonly collection: string | undefined;
}

function tabLine(b: Backend): string {
  if (!(b instanceof BrowserBackend)) return 'Edge endpoint: the database lives in Durable Objects behind the endpoint; every tab and client sees the same data.';
  const role = b.role;
  if (role === 'leader') return 'This tab is the leader: it runs the engine worker. Other tabs of this page forward their calls to it; close this tab and one of them takes over.';
  if (role === 'follower') return 'This tab is a follower: another tab of this page runs the engine and this one forwards its calls there. Close that tab and this one takes over.';
  return 'This tab runs its own engine (no other tab shares it).';
}

async function workersLine(b: BrowserBackend): Promise<string> {
  try {
    const w = await b.workerStats();
    return `${w.workers} configured, ${w.enabled ? 'enabled' : 'off'}; ${int(w.reads)} reads answered, ${w.ended} ended, ${w.retried} retried; holding ${w.perWorker.map((x, i) => `#${i}: ${x ? JSON.stringify(x).slice(0, 120) : 'not running'}`).join(' ') || 'nothing'}`;
  } catch (err) {
    return `unavailable: ${(err as Error).message}`;
  }
}

/** db.stats() in one line: the budget in force and what the block caches hold and have read. */
function cacheLine(s: CacheStats): string {
  const budget = s.memoryBudget === undefined ? `default: ${bytes(s.capacity)} over ${s.caches} block caches (no memoryBudget set)` : `${bytes(s.memoryBudget)} (openDatabase memoryBudget), split over ${s.caches} block caches (engine worker and query workers)`;
  return `${budget}; resident ${bytes(s.residentBytes)}; ${int(s.hits)} hits, ${int(s.misses)} misses, ${int(s.evictions)} evictions; ${bytes(s.bytesRead)} read by range (db.stats())`;
}

export async function renderStats(app: App, cold: ColdOpen | undefined): Promise<void> {
  const b = app.backend;
  const items: [string, string, string][] = [];
  if (cold) items.push(['cold-open', 'Cold open', `${ms(cold.ms)} from page load to ${cold.collection ? `${cold.collection} ready to search` : 'the database open'} (${cold.rows > 0 ? `reopened from storage: ${int(cold.rows)} rows already there` : 'nothing stored yet'})`]);
  if (b instanceof BrowserBackend) {
    const s = await b.storage();
    items.push(['storage', 'Storage', `${s.usage === undefined ? 'unknown' : bytes(s.usage)} used of ${s.quota === undefined ? 'unknown' : bytes(s.quota)} (navigator.storage.estimate)`]);
    items.push(['persistence', 'Persistence', s.persisted ? 'persistent: the browser will not evict this data under storage pressure' : 'best-effort: the data survives reloads, but the browser may evict it under storage pressure']);
    items.push(['workers', 'Query workers', b.kind === 'replica' ? 'none: a replica answers in the engine worker alone' : await workersLine(b)]);
    try {
      items.push(['cache', 'Memory budget', cacheLine(await b.cacheStats())]);
    } catch (err) {
      items.push(['cache', 'Memory budget', `unavailable: ${(err as Error).message}`]);
    }
  } else {
    items.push(['storage', 'Storage', 'on the endpoint (local Durable Objects and R2 under npm start)']);
    items.push(['cache', 'Memory budget', 'on the endpoint: each QueryNode isolate keeps one 16 MiB block cache for what IVF_PQ reads from R2 by range']);
  }
  items.push(['role', 'Tabs', tabLine(b)]);
  $('stats').replaceChildren(...items.flatMap(([id, k, v]) => [el('dt', { text: k }), el('dd', { id: `stat-${id}`, text: v })]));
  $('tabs').textContent = tabLine(b);
  $('persist').hidden = !(b instanceof BrowserBackend) || (items.some(([id, , v]) => id === 'persistence' && v.startsWith('persistent')));
}

export function wireMeasurePanel(app: App, cold: () => ColdOpen | undefined): void {
  const btn = $<HTMLButtonElement>('sweep');
  btn.addEventListener('click', () => void busy(btn, async () => void (await sweep(app), document.dispatchEvent(new Event(MEASURED)))));
  const persist = $<HTMLButtonElement>('persist');
  persist.addEventListener('click', () =>
    void busy(persist, async () => {
      if (app.backend instanceof BrowserBackend) status((await app.backend.requestPersistence()) ? 'persistent storage granted' : 'the browser declined persistent storage (it decides by site engagement)');
      await renderStats(app, cold());
    }),
  );
  app.onChange(() => void renderStats(app, cold()).catch(() => undefined));
  document.addEventListener(MEASURED, () => void renderStats(app, cold()).catch(() => undefined));
  // The multi-tab role changes when the leader tab closes: keep the line live.
  setInterval(() => {
    const line = tabLine(app.backend);
    if ($('tabs').textContent !== line) void renderStats(app, cold()).catch(() => undefined);
  }, 1000);
}
