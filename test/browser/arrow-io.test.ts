/**
 * Arrow IPC export/import in Chromium: a collection with scalar, JSON, array, vector and
 * dynamic fields and an HNSW index exports to a Blob (schema and indexes in the Arrow
 * metadata) with progress, imports into a new collection with progress, and the copy
 * answers every query and search exactly as the original. An auto_id collection keeps its
 * primary keys, its partitions (each row in its own) and its properties through the round trip,
 * and a damaged Blob is FORMAT_CORRUPT and creates nothing.
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { DataType, Random } from '@vesper/core';
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

  it('keeps auto_id keys, partitions and properties', async () => {
    const db = await openDatabase(`opfs://${freshName('arrow-keys')}`, { kernels: kernelsUrl });
    const rng = new Random(seed ^ 0x3c);
    await db.createCollection({
      collection_name: 'auto',
      enable_dynamic_field: true,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: true },
        { name: 'title', data_type: DataType.VarChar, max_length: 32 },
        { name: 'vec', data_type: DataType.FloatVector, dim: 8 },
      ],
      properties: { 'collection.ttl.seconds': '86400', 'mmap.enabled': 'true' },
    });
    await db.createPartition({ collection_name: 'auto', partition_name: 'archive' });
    await db.createIndex({ collection_name: 'auto', field_name: 'vec', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 8, efConstruction: 64 } });
    await db.loadCollection({ collection_name: 'auto' });
    for (const partition_name of ['_default', 'archive', '_default']) {
      await db.insert({ collection_name: 'auto', partition_name, data: Array.from({ length: 120 }, (_, i) => ({ title: `${partition_name}-${i}`, vec: vector(rng), ...(i % 2 === 0 ? { year: 1900 + i } : {}) })) });
      await db.flush({ collection_names: ['auto'] });
    }
    const blob = await exportCollection(db, 'auto');
    await importCollection(db, blob, { collection_name: 'auto_copy' });
    const rowsOf = async (name: string, partition: string): Promise<unknown[]> =>
      (await db.query({ collection_name: name, partition_names: [partition], filter: '', output_fields: ['*'], limit: 1000, consistency_level: 'Strong' })).data;
    for (const p of ['_default', 'archive']) {
      const want = await rowsOf('auto', p);
      expect(want.length).toBe(p === 'archive' ? 120 : 240);
      expect(await rowsOf('auto_copy', p)).toEqual(want);
    }
    expect((await db.showPartitions({ collection_name: 'auto_copy' })).partition_names).toEqual(['_default', 'archive']);
    const props = async (name: string): Promise<unknown> => (await db.describeCollection({ collection_name: name }))['properties'];
    expect(await props('auto_copy')).toEqual(await props('auto'));
    expect(await props('auto_copy')).toContainEqual({ key: 'collection.ttl.seconds', value: '86400' });

    const bytes = new Uint8Array(await blob.arrayBuffer());
    bytes[bytes.length >> 1]! ^= 0x40;
    await expect(importCollection(db, new Blob([bytes]), { collection_name: 'broken' })).rejects.toMatchObject({ code: 2002 });
    expect((await db.hasCollection({ collection_name: 'broken' })).value).toBe(false);
    await db.close();
  });
});
