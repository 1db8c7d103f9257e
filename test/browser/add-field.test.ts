/**
 * addCollectionField in Chromium: an `opfs://` database with two query workers. Rows flushed
 * before the add (held by the query workers) and rows still growing read the new field's
 * default, new rows carry it, a filter on it and a search outputting it agree; after a reopen
 * the sealed files and WAL records written before the add still open and answer the same.
 */
import { expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { freshName } from './browser-helpers.ts';

const C = 'added';
const STRONG = { collection_name: C, consistency_level: 'Strong' as const };

it('old rows read the default, new rows carry the field, across query workers and a reopen', async () => {
  const url = `opfs://${freshName('add-field')}`;
  let db = await openDatabase(url, { kernels: kernelsUrl, queryWorkers: 2, multiTab: false });
  await db.createCollection({
    collection_name: C,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'vec', data_type: 'FloatVector', dim: 2 },
    ],
  });
  await db.createIndex({ collection_name: C, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
  await db.loadCollection({ collection_name: C });
  await db.insert({ collection_name: C, data: Array.from({ length: 30 }, (_, id) => ({ id, vec: [id, 0] })) });
  await db.flush({ collection_names: [C] });
  await db.insert({ collection_name: C, data: Array.from({ length: 10 }, (_, i) => ({ id: 30 + i, vec: [30 + i, 0] })) });
  await db.addCollectionField({ collection_name: C, field: { name: 'level', data_type: 'Int8', nullable: true, default_value: 2 } });
  await db.insert({ collection_name: C, data: [{ id: 100, vec: [0.5, 0], level: 9 }, { id: 101, vec: [1000, 0], level: null }] });
  const answers = async (): Promise<unknown> => {
    const rows = await db.query({ ...STRONG, filter: 'level == 2', output_fields: ['level'], limit: 1000 });
    const hits = await db.search({ ...STRONG, data: [0, 0], limit: 3, output_fields: ['level'] });
    return { ids: (rows.data as { id: number }[]).map((r) => Number(r.id)).sort((a, b) => a - b), hits: (hits.results as unknown as { id: number; level: number }[]).map((h) => [Number(h.id), h.level]) };
  };
  const want = { ids: [...Array.from({ length: 40 }, (_, i) => i), 101], hits: [[0, 2], [100, 9], [1, 2]] };
  expect(await answers()).toEqual(want);
  await db.close();
  db = await openDatabase(url, { kernels: kernelsUrl, queryWorkers: 2, multiTab: false });
  await db.loadCollection({ collection_name: C });
  expect(await answers()).toEqual(want);
  await db.close();
});
