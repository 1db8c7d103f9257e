/**
 * The demo page: 900 arXiv papers (gte-small embeddings) in a persistent Vesper database in
 * the tab — `openDatabase('opfs://vesper-demo')`, the engine in a worker, the data in OPFS and
 * IndexedDB. The first visit imports the papers (with progress) and builds an HNSW index; a
 * reload, or a second tab (which forwards to the first), opens it straight away. Pick a
 * paper to see its nearest neighbours: search by example.
 */
import { openDatabase, DataType } from '@vesper/browser';
import kernels from '@vesper/core/kernels.wasm?url';

const status = document.querySelector<HTMLParagraphElement>('#status')!;
const picker = document.querySelector<HTMLSelectElement>('#paper')!;
const list = document.querySelector<HTMLOListElement>('#neighbours')!;
const base = import.meta.env.BASE_URL;

/** Rows of an .fvecs file: each is an int32 dimension followed by that many float32s. */
function parseFvecs(buf: ArrayBuffer): Float32Array[] {
  const view = new DataView(buf);
  const out: Float32Array[] = [];
  for (let at = 0; at < buf.byteLength; ) {
    const dim = view.getInt32(at, true);
    out.push(new Float32Array(buf.slice(at + 4, at + 4 + dim * 4)));
    at += 4 + dim * 4;
  }
  return out;
}

const titles = (await (await fetch(`${base}arxiv/titles.json`)).json()) as string[];
const db = await openDatabase('opfs://vesper-demo', { kernels });
status.textContent = `database open (this tab is the ${db.role})`;

const ready = (await db.hasCollection({ collection_name: 'papers' })).value && (await db.count({ collection_name: 'papers', consistency_level: 'Strong' })).data === titles.length;
if (!ready) {
  await db.dropCollection({ collection_name: 'papers' }).catch(() => undefined);
  await db.createCollection({
    collection_name: 'papers',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: 384 },
      { name: 'title', data_type: DataType.VarChar, max_length: 512 },
    ],
  });
  const vectors = parseFvecs(await (await fetch(`${base}arxiv/base.fvecs`)).arrayBuffer());
  await db.insert({
    collection_name: 'papers',
    data: vectors.map((vector, id) => ({ id, vector, title: titles[id] ?? '' })),
    batch_size: 150,
    onProgress: ({ done, total }) => (status.textContent = `importing papers: ${done} / ${total}`),
  });
  await db.flush({ collection_names: ['papers'] });
  await db.createIndex({
    collection_name: 'papers',
    field_name: 'vector',
    index_type: 'HNSW',
    metric_type: 'COSINE',
    params: { M: 16, efConstruction: 100 },
    onProgress: (p) => (status.textContent = `building the HNSW index: ${p.indexedRows} / ${p.totalRows} rows`),
  });
}
await db.loadCollection({ collection_name: 'papers' });
status.textContent = `${titles.length} papers in opfs://vesper-demo (this tab is the ${db.role}); pick one`;

titles.forEach((title, id) => picker.add(new Option(title, String(id))));

async function showNeighbours(id: number): Promise<void> {
  const [paper] = (await db.get({ collection_name: 'papers', ids: [id], output_fields: ['vector'] })).data;
  if (paper === undefined) return;
  const res = await db.search({ collection_name: 'papers', data: paper['vector'] as number[], limit: 6, output_fields: ['title'] });
  list.replaceChildren(
    ...(res.results as Array<{ id: string; score: number; title: string }>)
      .filter((r) => Number(r.id) !== id)
      .map((r) => Object.assign(document.createElement('li'), { textContent: `${r.title} (cosine ${r.score.toFixed(3)})` })),
  );
}

picker.addEventListener('change', () => void showNeighbours(Number(picker.value)));
await showNeighbours(0);
