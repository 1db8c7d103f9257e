/**
 * The Data panel: index settings for new collections, and three ways to fill one — the arXiv
 * papers, a synthetic set (10k–1M rows, with progress and rows/s), or the user's own file
 * (schema preview first, then create and insert).
 */
import type { App } from '../app.ts';
import type { CollectionSpec, FieldSpec, IndexSpec, Row } from '../backend/backend.ts';
import { loadPapers, paperRows, PAPERS_COLLECTION } from '../data/arxiv.ts';
import { syntheticBatches } from '../data/synthetic.ts';
import { parseUserFile, type ParsedFile } from '../data/user-file.ts';
import { $, busy, bytes, el, int, status } from './dom.ts';

interface BuildParam {
  readonly name: string;
  /** The value offered; undefined: left blank, the engine's default applies (said in the placeholder). */
  readonly value: number | undefined;
  readonly placeholder?: string;
}

const BUILD_PARAMS: Record<string, readonly BuildParam[]> = {
  HNSW: [{ name: 'M', value: 16 }],
  HNSW_SQ: [{ name: 'M', value: 16 }],
  IVF_FLAT: [{ name: 'nlist', value: 32 }],
  IVF_SQ8: [{ name: 'nlist', value: 32 }],
  IVF_PQ: [{ name: 'nlist', value: 32 }, { name: 'm', value: undefined, placeholder: 'dim/4' }],
};

/** One line on what the chosen index keeps where (shown under the choice). */
const INDEX_NOTES: Record<string, string> = {
  IVF_PQ: 'IVF_PQ is disk-resident: centroids and m-byte codes per row stay in memory; the full-precision vectors stay in the index file and are read by range, through a block cache bounded by the memory budget, to re-rank refine_k × k candidates.',
};

/** The index chosen in the panel for new collections. */
export function chosenIndex(): IndexSpec {
  const indexType = $<HTMLSelectElement>('index-type').value;
  const metric = $<HTMLSelectElement>('metric').value;
  const params: Record<string, number> = {};
  for (const p of BUILD_PARAMS[indexType] ?? []) {
    // (the first visit loads the papers before the panel draws its inputs: the offered values)
    const raw = document.querySelector<HTMLInputElement>(`#build-${p.name}`)?.value.trim() ?? '';
    // blank: the offered value, or the engine's default; a value the engine refuses is sent
    // as typed, and its coded error names the parameter
    if (raw !== '') params[p.name] = Number(raw);
    else if (p.value !== undefined) params[p.name] = p.value;
  }
  if (indexType === 'HNSW' || indexType === 'HNSW_SQ') params['efConstruction'] = 100;
  return { indexType, metric, params };
}

/** Creates `name` (replacing it), inserts rows, seals and waits for the index; reports progress. */
export async function fill(app: App, name: string, fields: FieldSpec[], batches: Iterable<Row[]>, total: number, progress?: HTMLProgressElement, bm25?: CollectionSpec['bm25']): Promise<void> {
  const b = app.backend;
  if ((await b.listCollections()).includes(name)) await b.drop(name);
  const index = chosenIndex();
  await b.create({ name, fields, index, ...(bm25 ? { bm25 } : {}) });
  const t0 = performance.now();
  let done = 0;
  if (progress) [progress.hidden, progress.value] = [false, 0];
  for (const rows of batches) {
    await b.insert(name, rows, (d) => status(`${name}: inserting ${int(done + d)} / ${int(total)} rows (${int(((done + d) / (performance.now() - t0)) * 1000)} rows/s)`));
    done += rows.length;
    if (progress) progress.value = done / total;
  }
  const secs = (performance.now() - t0) / 1000;
  status(`${name}: ${int(done)} rows inserted in ${secs.toFixed(1)} s (${int(done / secs)} rows/s); building the ${index.indexType} index…`);
  await b.flushAndIndex(name, (i, t) => status(`${name}: building the ${index.indexType} index: ${int(i)} / ${int(t)} rows`));
  const all = (performance.now() - t0) / 1000;
  await app.refresh(name);
  status(`${name}: ${int(done)} rows, ${index.indexType} index (${index.metric}) built, ${all.toFixed(1)} s in all (${int(done / secs)} rows/s inserting) — on ${b.label}`);
}

const PAPER_FIELDS: FieldSpec[] = [
  { name: 'id', type: 'Int64', primary: true },
  { name: 'vector', type: 'FloatVector', dim: 384 },
  { name: 'title', type: 'VarChar', maxLength: 512 },
  { name: 'abstract', type: 'VarChar', maxLength: 8192, analyzer: true },
  // filled by the BM25 function from the abstract: full-text search
  { name: 'abstract_sparse', type: 'SparseFloatVector' },
];
const PAPER_BM25 = { input: 'abstract', output: 'abstract_sparse' } as const;

export async function loadPaperCollection(app: App): Promise<void> {
  status('fetching the papers…');
  const papers = await loadPapers();
  await fill(app, PAPERS_COLLECTION, PAPER_FIELDS, [paperRows(papers)], papers.base.length, undefined, PAPER_BM25);
}

function preview(app: App, parsed: ParsedFile): void {
  const box = $('file-preview');
  const name = parsed.name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z_])/, '_$1').slice(0, 60) || 'file';
  const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'field' }), el('th', { text: 'type' }))), el('tbody', {}, ...parsed.fields.map((f) => el('tr', {}, el('td', { text: f.name }), el('td', { text: `${f.type}${f.dim ? `(${f.dim})` : ''}${f.maxLength ? `(${f.maxLength})` : ''}${f.primary ? ' primary key' : ''}` })))));
  const input = el('input', { type: 'text', value: name, id: 'file-collection', size: '16' });
  const go = el('button', { type: 'button', text: `Create and insert ${int(parsed.rows.length)} rows` });
  go.addEventListener('click', () => void busy(go, () => fill(app, input.value, parsed.fields, [parsed.rows], parsed.rows.length)));
  box.replaceChildren(el('p', { text: `${parsed.format}, ${int(parsed.rows.length)} rows; schema:` }), table, el('pre', { text: JSON.stringify(parsed.rows[0], (_k, v: unknown) => (Array.isArray(v) && v.length > 6 ? [...v.slice(0, 6), `… ${v.length} values`] : v), 1).slice(0, 600) }), el('label', { text: 'Collection ' }, input), go);
}

export function wireDataPanel(app: App): void {
  const type = $<HTMLSelectElement>('index-type');
  const sync = (): void => {
    const ps = BUILD_PARAMS[type.value] ?? [];
    $('build-params').replaceChildren(
      ...ps.map((p) => el('label', {}, `${p.name} `, el('input', { id: `build-${p.name}`, type: 'number', min: '1', value: p.value === undefined ? '' : String(p.value), ...(p.placeholder ? { placeholder: p.placeholder } : {}) }))),
    );
    $('index-note').textContent = `New collections below use this index and metric.${INDEX_NOTES[type.value] ? ` ${INDEX_NOTES[type.value]}` : ''}`;
  };
  type.addEventListener('change', sync);
  sync();
  const papersBtn = $<HTMLButtonElement>('load-papers');
  papersBtn.addEventListener('click', () => void busy(papersBtn, () => loadPaperCollection(app)));
  // what the vectors weigh: the engine worker holds them, and each query worker a copy of its share
  const size = (): void => {
    const raw = Number($<HTMLSelectElement>('synth-rows').value) * Number($<HTMLSelectElement>('synth-dim').value) * 4;
    const pq = $<HTMLSelectElement>('index-type').value === 'IVF_PQ';
    $('synth-size').textContent = `${bytes(raw)} of float32 vectors (in the browser the engine worker holds them${pq ? '; the query workers keep only IVF_PQ codes and read vectors by range' : ', and the query workers a second copy'})`;
  };
  for (const id of ['synth-rows', 'synth-dim', 'index-type']) $(id).addEventListener('change', size);
  size();
  const synth = $<HTMLButtonElement>('synth-go');
  synth.addEventListener('click', () =>
    void busy(synth, async () => {
      const rows = Number($<HTMLSelectElement>('synth-rows').value);
      const dim = Number($<HTMLSelectElement>('synth-dim').value);
      const fields: FieldSpec[] = [
        { name: 'id', type: 'Int64', primary: true },
        { name: 'vector', type: 'FloatVector', dim },
        { name: 'category', type: 'Int64' },
        { name: 'value', type: 'Double' },
      ];
      await fill(app, `synthetic_${rows}_${dim}`, fields, syntheticBatches({ rows, dim, seed: 42 }, app.backend.kind === 'edge' ? 1000 : 5000), rows, $<HTMLProgressElement>('synth-progress'));
    }),
  );
  $<HTMLInputElement>('file').addEventListener('change', (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (file === undefined) return;
    void busy(undefined, async () => {
      $('file-preview').replaceChildren();
      status(`reading ${file.name}…`);
      preview(app, await parseUserFile(file));
      status(`${file.name}: check the schema, then create the collection`);
    });
  });
}
