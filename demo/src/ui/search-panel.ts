/**
 * The Search panel: a query by example (a row of the collection), by a held-out paper, a
 * pasted vector, words searched in the papers' abstracts (a Milvus BM25 function), or both at
 * once (a hybrid search fusing the two ranked lists by RRF or weighted scores); a Milvus filter
 * (a parse error is shown with its position marked); top-k,
 * ef/nprobe, consistency level and output fields. Each answer shows who answered, the latency
 * and recall@10 against exact search over the same filtered rows.
 */
import { searchParamOf, type App } from '../app.ts';
import type { Consistency, Hit, Rerank, SearchOptions } from '../backend/backend.ts';
import { BrowserBackend } from '../backend/browser-backend.ts';
import { ReplicaBackend } from '../backend/replica-backend.ts';
import { loadPapers, PAPERS_COLLECTION } from '../data/arxiv.ts';
import { recall } from '../data/exact.ts';
import { plainTitle } from '../data/latex.ts';
import { $, busy, bytes, el, int, ms, status } from './dom.ts';

/** Shows a filter error, marking the column Milvus's message names (`line 1:<col>`). */
function showFilterError(filter: string, message: string): void {
  const box = $('filter-error');
  box.hidden = false;
  const m = /line \d+:(\d+)/.exec(message);
  const col = m ? Number(m[1]) : -1;
  if (col >= 0 && col <= filter.length) {
    const mark = el('mark', { text: filter.slice(col, col + 1) || ' ' });
    box.replaceChildren(`${message}\n`, filter.slice(0, col), mark, filter.slice(col + 1));
  } else box.textContent = message;
}

export async function queryVector(app: App): Promise<{ vector: number[]; what: string }> {
  const c = app.collection!;
  const mode = $<HTMLSelectElement>('query-mode').value;
  if (mode === 'heldout') {
    const i = Number($<HTMLSelectElement>('heldout').value);
    const p = (await loadPapers()).query[i]!;
    return { vector: Array.from(p.vector), what: `held-out paper “${p.title}”` };
  }
  if (mode === 'vector') {
    let v: unknown;
    try {
      v = JSON.parse($<HTMLTextAreaElement>('vector').value);
    } catch {
      throw new Error('the pasted vector is not JSON: paste a list of numbers like [0.1, -0.2, …]');
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error('the pasted vector must be a JSON list of numbers');
    return { vector: v as number[], what: `pasted vector (${v.length} values)` };
  }
  const raw = $<HTMLInputElement>('example-id').value.trim();
  const id = c.fields.find((f) => f.primary)?.type === 'VarChar' ? raw : Number(raw);
  const [row] = await app.backend.get(c.name, [id], [c.vectorField]);
  if (row === undefined) throw new Error(`no row with ${c.pk} ${raw} in ${c.name}`);
  return { vector: Array.from(row[c.vectorField] as ArrayLike<number>), what: `row ${raw}` };
}

/** Fired on document after a search or a sweep: the Measure panel reads db.stats() again. */
export const MEASURED = 'vesper-demo-measured';

/** IVF_PQ's refine_k as typed (a number ≥ 1; the engine refuses others with a coded error). */
export function refineK(): number {
  const raw = $<HTMLInputElement>('refine-k').value.trim();
  return raw === '' ? 4 : Number(raw);
}

function outputFields(): string[] {
  return [...document.querySelectorAll<HTMLInputElement>('#output-fields input:checked')].map((i) => i.value);
}

/** Shows the hits; `scoreName` labels their scores (default: the dense index's metric). */
function renderHits(app: App, hits: readonly Hit[], scoreName?: string): void {
  const metric = scoreName ?? app.collection?.index?.metric ?? 'COSINE';
  $('results').replaceChildren(
    ...hits.map((h) => {
      const title = typeof h.fields['title'] === 'string' ? plainTitle(h.fields['title']) : undefined;
      const rest = Object.entries(h.fields).filter(([k]) => k !== 'title' && k !== 'abstract' && k !== app.collection?.pk);
      const like = el('button', { type: 'button', class: 'like', text: 'more like this', 'aria-label': `more like this: ${app.collection?.pk} ${String(h.id)}` });
      like.addEventListener('click', () => {
        $<HTMLSelectElement>('query-mode').value = 'example';
        $<HTMLInputElement>('example-id').value = String(h.id);
        syncMode();
        void runSearch(app);
      });
      const li = el('li', { 'data-id': String(h.id), 'data-score': String(h.score) }, el('span', { class: 'title', text: title ?? `${app.collection?.pk} ${String(h.id)}` }), el('span', { class: 'score', text: `${metric === 'L2' ? 'L2²' : metric} ${h.score.toFixed(4)}` }), like);
      if (title !== undefined) li.append(el('span', { class: 'note', text: ` · ${app.collection?.pk} ${String(h.id)}` }));
      if (rest.length) li.append(el('div', { class: 'note', text: rest.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ') }));
      if (typeof h.fields['abstract'] === 'string') li.append(el('details', {}, el('summary', { text: 'abstract' }), h.fields['abstract']));
      return li;
    }),
  );
}

export async function runSearch(app: App): Promise<void> {
  const c = app.collection;
  if (c === undefined) return status('no collection to search: load the papers first');
  $('filter-error').hidden = true;
  const mode = $<HTMLSelectElement>('query-mode').value;
  if (mode === 'text') return runTextSearch(app);
  if (mode === 'hybrid') return runHybridSearch(app);
  const { vector, what } = await queryVector(app);
  const filter = $<HTMLInputElement>('filter').value.trim();
  const limit = Number($<HTMLInputElement>('topk').value) || 10;
  const sp = searchParamOf(c.index?.indexType);
  const params = denseParams(app, limit);
  const before = app.backend instanceof BrowserBackend && sp?.refine ? await app.backend.cacheStats() : undefined;
  const consistency = $<HTMLSelectElement>('consistency').value as Consistency;
  const res = await showingFilterErrors(filter, () => app.backend.search(c.name, { vector, annsField: c.vectorField, limit, filter, ...(params ? { params } : {}), consistency, outputFields: outputFields() }));
  renderHits(app, res.value);
  const meta = $('search-meta');
  meta.textContent = `${res.value.length} hits for ${what}${filter ? ` where ${filter}` : ''}${params ? ` (${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''} — answered by ${app.backend.label} in ${ms(res.clientMs)} (client-side${app.backend.kind === 'edge' ? `, network included; ${serverLine(res.serverMs)}` : ''})`;
  if (before !== undefined && app.backend instanceof BrowserBackend) {
    // what the disk-resident index read for this search (outside the timed call)
    const after = await app.backend.cacheStats();
    meta.append(el('span', { id: 'search-reads', text: ` · read ${bytes(after.bytesRead - before.bytesRead)} by range, ${int(after.hits - before.hits)} block-cache hits, ${int(after.misses - before.misses)} misses` }));
  }
  status(`search: ${res.value.length} hits in ${ms(res.clientMs)}`);
  document.dispatchEvent(new Event(MEASURED));
  if (app.backend instanceof ReplicaBackend) await compareWithEdge(app.backend, c.name, { vector, annsField: c.vectorField, limit, filter, ...(params ? { params } : {}), consistency, outputFields: [] }, res.value, res.clientMs);
  const k = Math.min(10, limit);
  const span = el('span', { id: 'recall', text: ` · recall@${k}: exact search…` });
  meta.append(span);
  try {
    const [truth] = await app.exactMany([vector], k, filter, (n, total) => (span.textContent = ` · recall@${k}: exact search, ${int(n)} / ${int(total)} rows scanned…`));
    const r = recall(res.value.slice(0, k).map((h) => h.id), truth!);
    span.textContent = ` · recall@${k} ${r.toFixed(2)} against exact search`;
  } catch (err) {
    span.textContent = ` · recall not measured: ${(err as Error).message}`;
  }
}

/** The dense index's search parameter as typed (ef at least top-k), with IVF_PQ's refine_k; undefined for FLAT. */
function denseParams(app: App, limit: number): Record<string, number> | undefined {
  const sp = searchParamOf(app.collection?.index?.indexType);
  return sp ? { [sp.name]: Math.max(Number($<HTMLInputElement>('search-param').value) || 1, sp.name === 'ef' ? limit : 1), ...(sp.refine ? { refine_k: refineK() } : {}) } : undefined;
}

/** Runs a read; a coded error about the filter is also shown under it with the position marked. */
async function showingFilterErrors<T>(filter: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const e = err as { code: number; message: string };
    if (filter && /expression|filter|field/i.test(e.message)) showFilterError(filter, `code ${e.code}: ${e.message}`);
    throw err;
  }
}

/**
 * The same search on the edge the replica copies, after the replica's (not at the same time,
 * so neither slows the other): both latencies side by side, and whether the top hits agree.
 */
async function compareWithEdge(b: ReplicaBackend, name: string, opts: SearchOptions, hits: readonly Hit[], replicaMs: number): Promise<void> {
  const span = el('span', { id: 'search-compare', text: ' · the same search on the edge…' });
  $('search-meta').append(span);
  try {
    const edge = await b.edge.search(name, opts);
    const same = edge.value[0]?.id !== undefined && String(edge.value[0].id) === String(hits[0]?.id);
    span.textContent = ` · replica: ${ms(replicaMs)}, edge: ${ms(edge.clientMs)} (${serverLine(edge.serverMs)}); ${same ? 'the same top hit' : `top hits differ (edge: ${String(edge.value[0]?.id)})`}`;
    span.dataset['edgeTop'] = String(edge.value[0]?.id);
  } catch (err) {
    span.textContent = ` · replica: ${ms(replicaMs)}; the edge did not answer (${(err as Error).message}): the replica answered from its copy`;
  }
}

/** Full-text search: the words go to the BM25 function's output field; Milvus scores each abstract with BM25. */
async function runTextSearch(app: App): Promise<void> {
  const c = app.collection!;
  if (c.textSearchField === undefined) throw new Error(`${c.name} has no BM25 function: full-text search works on the papers`);
  const words = $<HTMLInputElement>('text-query').value.trim();
  if (!words) throw new Error('type some words to search the abstracts for');
  const filter = $<HTMLInputElement>('filter').value.trim();
  const limit = Number($<HTMLInputElement>('topk').value) || 10;
  const consistency = $<HTMLSelectElement>('consistency').value as Consistency;
  const res = await showingFilterErrors(filter, () => app.backend.search(c.name, { vector: words, annsField: c.textSearchField!, limit, filter, consistency, outputFields: outputFields() }));
  renderHits(app, res.value, 'BM25');
  $('search-meta').textContent = `${res.value.length} hits for the words “${words}”${filter ? ` where ${filter}` : ''} (BM25 over the abstracts) — answered by ${app.backend.label} in ${ms(res.clientMs)} (client-side${app.backend.kind === 'edge' ? `, network included; ${serverLine(res.serverMs)}` : ''})`;
  status(`full-text search: ${res.value.length} hits in ${ms(res.clientMs)}`);
}

/** The fusion as chosen: RRF with its k, or weighted with the dense weight (the words get the rest). */
function rerankOf(): Rerank {
  if ($<HTMLSelectElement>('rerank').value === 'weighted') {
    const w = Number($<HTMLInputElement>('dense-weight').value);
    // rounded so that 0.7 gives the words 0.3, not 0.30000000000000004
    return { strategy: 'weighted', weights: [w, Math.round((1 - w) * 1e9) / 1e9] };
  }
  return { strategy: 'rrf', k: Number($<HTMLInputElement>('rrf-k').value) || 60 };
}

/**
 * Hybrid search: the words (BM25 over the abstracts) and a row's vector (the dense index), each
 * sub-search keeping top-k hits under the same filter, fused by Milvus's RRF or weighted reranker.
 */
async function runHybridSearch(app: App): Promise<void> {
  const c = app.collection!;
  if (c.textSearchField === undefined) throw new Error(`${c.name} has no BM25 function: hybrid search works on the papers`);
  const words = $<HTMLInputElement>('text-query').value.trim();
  if (!words) throw new Error('type some words to fuse with the row\'s vector');
  const { vector, what } = await queryVector(app);
  const filter = $<HTMLInputElement>('filter').value.trim();
  const limit = Number($<HTMLInputElement>('topk').value) || 10;
  const params = denseParams(app, limit);
  const rerank = rerankOf();
  const consistency = $<HTMLSelectElement>('consistency').value as Consistency;
  const subs = [{ vector, annsField: c.vectorField, ...(params ? { params } : {}) }, { vector: words, annsField: c.textSearchField }];
  const res = await showingFilterErrors(filter, () => app.backend.hybridSearch(c.name, { subs, rerank, limit, filter, consistency, outputFields: outputFields() }));
  renderHits(app, res.value, rerank.strategy === 'rrf' ? 'RRF' : 'weighted');
  const fusion = rerank.strategy === 'rrf' ? `RRF, k=${rerank.k}` : `weighted ${rerank.weights[0]} dense / ${rerank.weights[1]} words`;
  $('search-meta').textContent = `${res.value.length} hits fusing ${what} (${c.index?.metric ?? 'COSINE'}) with the words “${words}” (BM25) by ${fusion}${filter ? ` where ${filter}` : ''} — answered by ${app.backend.label} in ${ms(res.clientMs)} (client-side${app.backend.kind === 'edge' ? `, network included; ${serverLine(res.serverMs)}` : ''})`;
  status(`hybrid search: ${res.value.length} hits in ${ms(res.clientMs)}`);
  document.dispatchEvent(new Event(MEASURED));
}

function serverLine(serverMs: number | undefined): string {
  return serverMs === undefined ? 'the endpoint reports no server-side time' : `server ${ms(serverMs)}`;
}

function syncMode(): void {
  const mode = $<HTMLSelectElement>('query-mode').value;
  $('example-label').hidden = mode !== 'example' && mode !== 'hybrid';
  $('heldout-label').hidden = mode !== 'heldout';
  $('vector-label').hidden = mode !== 'vector';
  $('text-label').hidden = mode !== 'text' && mode !== 'hybrid';
  $('fusion-row').hidden = mode !== 'hybrid';
  const weighted = $<HTMLSelectElement>('rerank').value === 'weighted';
  $('rrf-k-label').hidden = weighted;
  $('weight-label').hidden = !weighted;
}

export function wireSearchPanel(app: App): void {
  $('query-mode').addEventListener('change', syncMode);
  $('rerank').addEventListener('change', syncMode);
  syncMode();
  void loadPapers().then((p) => $<HTMLSelectElement>('heldout').replaceChildren(...p.query.map((q, i) => new Option(q.title, String(i)))), () => undefined);
  const go = $<HTMLButtonElement>('search-go');
  go.addEventListener('click', () => void busy(go, () => runSearch(app)));
  for (const id of ['filter', 'example-id', 'topk', 'search-param', 'refine-k', 'text-query', 'rrf-k', 'dense-weight']) {
    $(id).addEventListener('keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Enter') void busy(go, () => runSearch(app));
    });
  }
  app.onChange(() => {
    const c = app.collection;
    const sp = searchParamOf(c?.index?.indexType);
    const label = $('search-param-label');
    label.hidden = sp === undefined;
    if (sp && label.firstChild!.textContent !== `${sp.name} `) {
      // another parameter: start from its usual value, not the other one's
      label.firstChild!.textContent = `${sp.name} `;
      $<HTMLInputElement>('search-param').value = sp.name === 'ef' ? '64' : '8';
    }
    $('refine-label').hidden = sp?.refine !== true;
    const paperMode = c?.name === PAPERS_COLLECTION;
    ($('query-mode').querySelector('option[value=heldout]') as HTMLOptionElement).disabled = !paperMode;
    const noText = c?.textSearchField === undefined;
    for (const m of ['text', 'hybrid']) ($('query-mode').querySelector(`option[value=${m}]`) as HTMLOptionElement).disabled = noText;
    const mode = $<HTMLSelectElement>('query-mode').value;
    if ((!paperMode && mode === 'heldout') || (noText && (mode === 'text' || mode === 'hybrid'))) {
      $<HTMLSelectElement>('query-mode').value = 'example';
      syncMode();
    }
    const scalars = (c?.fields ?? []).filter((f) => f.type !== 'FloatVector' && f.type !== 'SparseFloatVector' && !f.primary);
    const picked = new Set(outputFields());
    const keep = scalars.some((f) => picked.has(f.name)) ? picked : new Set(scalars.map((f) => f.name));
    $('output-fields').replaceChildren(
      ...scalars.map((f) => {
        const box = el('input', { type: 'checkbox', value: f.name });
        box.checked = keep.has(f.name);
        return el('label', {}, box, ` ${f.name}`);
      }),
    );
  });
}
