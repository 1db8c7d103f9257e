/**
 * The demo page: opens an in-memory Vesper database in the tab, inserts a few vectors and
 * shows a filtered search. The browser issue replaces it with persistent storage and the
 * edge issue adds the REST endpoint side.
 */
import { openMemoryDatabase } from '@vesper/browser';
import kernelsUrl from '@vesper/core/kernels.wasm?url';

const out = document.querySelector('#out')!;
const db = await openMemoryDatabase(new URL(kernelsUrl, location.href));
await db.createCollection({ collection_name: 'demo', dimension: 3, metric_type: 'L2' });
await db.insert({
  collection_name: 'demo',
  data: [
    { id: 1, vector: [0, 0, 1], kind: 'a' },
    { id: 2, vector: [0, 1, 0], kind: 'b' },
    { id: 3, vector: [1, 0, 0], kind: 'a' },
  ],
});
const res = await db.search({ collection_name: 'demo', data: [0.1, 0, 0.9], limit: 2, filter: 'kind == "a"', output_fields: ['kind'] });
out.textContent = JSON.stringify(res.results, null, 2);
