/**
 * Arrow IPC export/import in Chromium: a collection with scalar, JSON, array, vector and
 * dynamic fields and an HNSW index exports to a Blob (schema and indexes in the Arrow
 * metadata) with progress, imports into a new collection with progress, and the copy
 * answers every query and search exactly as the original.
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { Random } from '@vesper/core';
import { tableFromIPC } from 'apache-arrow';
import { exportCollection, importCollection, openDatabase, type RowProgress } from '../../packages/browser/src/index.ts';
import { allTypesFields, allTypesRows, vector } from '../fixtures/collections.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();

describe(`Arrow IPC export/import (seed ${seed})`, () => {
  it('round-trips a collection through a Blob with progress', async () => {
    const db = await openDatabase(`opfs://${freshName('arrow')}`, { kernels: kernelsUrl });
    await db.createCollection({ collection_name: 'books', fields: allTypesFields as never, enable_dynamic_field: true });
    await db.createIndex({ collection_name: 'books', field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } });
    await db.loadCollection({ collection_name: 'books' });
    await db.insert({ collection_name: 'books', data: allTypesRows(seed, 0, 700) });
    await db.delete({ collection_name: 'books', ids: [1, 2, 3] });

    const exported: RowProgress[] = [];
    const blob = await exportCollection(db, 'books', { pageSize: 250, onProgress: (p) => exported.push(p) });
    expect(exported.map((p) => p.done)).toEqual([250, 500, 697]);
    const table = tableFromIPC(new Uint8Array(await blob.arrayBuffer()));
    expect(table.numRows).toBe(697);
    expect(JSON.parse(table.schema.metadata.get('vesper.indexes')!)).toHaveLength(1);

    const imported: RowProgress[] = [];
    const res = await importCollection(db, new File([blob], 'books.arrow'), { collection_name: 'copy', batchSize: 300, onProgress: (p) => imported.push(p) });
    expect(res).toEqual({ collection_name: 'copy', rows: 697 });
    expect(imported.map((p) => p.done)).toEqual([300, 600, 697]);

    const all = async (name: string): Promise<unknown> =>
      (await db.query({ collection_name: name, filter: 'pk >= 0', output_fields: ['*'], consistency_level: 'Strong' })).data;
    expect(await all('copy')).toEqual(await all('books'));
    const rng = new Random(seed ^ 0xa7);
    for (let i = 0; i < 3; i++) {
      const q = vector(rng);
      const a = await db.search({ collection_name: 'books', data: q, limit: 5, consistency_level: 'Strong', output_fields: ['tag'] });
      const b = await db.search({ collection_name: 'copy', data: q, limit: 5, consistency_level: 'Strong', output_fields: ['tag'] });
      const ids = (r: typeof a): unknown[] => (r.results as Array<{ id: unknown }>).map((x) => x.id);
      expect(ids(b)).toEqual(ids(a));
    }
    expect((await db.describeIndex({ collection_name: 'copy' })).index_descriptions[0]).toMatchObject({ index_type: 'HNSW', metric_type: 'L2' });
    await expect(importCollection(db, blob, { collection_name: 'copy' })).rejects.toMatchObject({ kind: 'input' });
    await db.close();
  });
});
