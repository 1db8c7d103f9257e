/**
 * End to end in Chromium: openDatabase('opfs://…') (and 'idb://…') starts the engine in a
 * module worker; create a collection with an HNSW index, insert, delete, upsert, flush (files
 * to OPFS), write a WAL-only tail, snapshot queries and searches; close; reopen in a NEW
 * worker (what a page reload does) and get identical results, with the index reopened from
 * its files. Also: VesperErrors cross the worker boundary with their codes, and storage stats.
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { DataType, Random, VesperError, type VesperClient } from '@vesper/core';
import { openDatabase, type BrowserDatabase } from '../../packages/browser/src/index.ts';
import { allTypesFields, allTypesRows, vector } from '../fixtures/collections.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();
const engine = { sealPolicy: { maxRows: 150, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 1000, compactDeletedRatio: 0.1 } };
const strong = { collection_name: 'books', consistency_level: 'Strong' as const };

async function snapshot(db: VesperClient): Promise<unknown> {
  const rng = new Random(seed ^ 0x51);
  const all = await db.query({ ...strong, filter: 'pk >= 0', output_fields: ['*'] });
  const count = await db.count({ ...strong });
  const searches = [];
  for (let i = 0; i < 4; i++) {
    const q = vector(rng);
    searches.push((await db.search({ ...strong, data: q, limit: 7, output_fields: ['tag', 'i64'] })).results);
    searches.push((await db.search({ ...strong, data: q, limit: 5, filter: 'flag == true' })).results);
  }
  return { all: all.data, count: count.data, searches };
}

async function waitIndexed(db: VesperClient): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const d = (await db.describeIndex({ collection_name: 'books' })).index_descriptions[0]!;
    if (d.state === 'Finished') return Number(d.indexed_rows);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('index build did not finish');
}

/** Files below an OPFS directory (segment, index and manifest files of an opfs:// database). */
async function opfsFileCount(path: string): Promise<number> {
  let dir = await navigator.storage.getDirectory();
  for (const part of path.split('/')) dir = await dir.getDirectoryHandle(part);
  const count = async (d: FileSystemDirectoryHandle): Promise<number> => {
    let n = 0;
    for await (const h of (d as FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> }).values()) {
      n += h.kind === 'file' ? 1 : await count(h as FileSystemDirectoryHandle);
    }
    return n;
  };
  return count(dir);
}

describe(`browser database end to end (seed ${seed})`, () => {
  for (const scheme of ['opfs', 'idb'] as const) {
    it(`${scheme}:// reopens in a new worker to identical results`, async () => {
      const url = `${scheme}://${freshName('e2e')}`;
      let db: BrowserDatabase = await openDatabase(url, { kernels: kernelsUrl, engine });
      await db.createCollection({ collection_name: 'books', fields: allTypesFields as never, enable_dynamic_field: true });
      await db.createIndex({ collection_name: 'books', field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } });
      await db.loadCollection({ collection_name: 'books' });
      const pks = new Set<number>();
      for (let b = 0; b < 4; b++) {
        const rows = allTypesRows(seed + b, b * 100, 100);
        const res = await db.insert({ collection_name: 'books', data: rows });
        expect(Number(res.insert_cnt)).toBe(100);
        rows.forEach((r) => pks.add(r['pk'] as number));
      }
      await db.delete({ collection_name: 'books', ids: [3, 5, 150] });
      [3, 5, 150].forEach((k) => pks.delete(k));
      await db.flush({ collection_names: ['books'] });
      const indexed = await waitIndexed(db);
      expect(indexed).toBeGreaterThan(0);
      // WAL-only tail
      const tail = allTypesRows(seed + 99, 1000, 40);
      await db.insert({ collection_name: 'books', data: tail });
      tail.forEach((r) => pks.add(r['pk'] as number));
      await db.upsert({ collection_name: 'books', data: allTypesRows(seed + 98, 10, 5) });
      const before = await snapshot(db);
      expect((before as { count: number }).count).toBe(pks.size);
      await db.close();
      if (scheme === 'opfs') expect(await opfsFileCount(`vesper/${url.slice('opfs://'.length)}`)).toBeGreaterThan(0);

      db = await openDatabase(url, { kernels: kernelsUrl, engine });
      const after = await snapshot(db);
      expect(after, `seed ${seed}`).toEqual(before);
      const desc = (await db.describeIndex({ collection_name: 'books' })).index_descriptions[0]!;
      expect(Number(desc.indexed_rows)).toBe(indexed);
      await db.close();
    });
  }

  it('delivers VesperErrors from the worker with their codes, and storage stats', async () => {
    const db = await openDatabase(`opfs://${freshName('errors')}`);
    const err = await db.describeCollection({ collection_name: 'missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VesperError);
    expect(err).toMatchObject({ code: 100, error: 'COLLECTION_NOT_FOUND', kind: 'input', retriable: false });
    await db.createCollection({ collection_name: 'v', dimension: 4 });
    const bad = await db.insert({ collection_name: 'v', data: [{ id: 1, vector: [1, 2] }] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(VesperError);
    expect((bad as VesperError).kind).toBe('input');
    const stats = await db.storageStats();
    expect(stats.quota).toBeGreaterThan(0);
    expect(typeof stats.persisted).toBe('boolean');
    await db.close();
    await expect(db.listCollections()).rejects.toMatchObject({ error: 'SERVICE_UNAVAILABLE' });
    await expect(openDatabase('ftp://x')).rejects.toMatchObject({ error: 'PARAMETER_INVALID' });
  });

  it('builds BIN_IVF_FLAT in the worker (nlist "512" on small segments), searches exactly with every list probed, reopens', async () => {
    const url = `opfs://${freshName('binivf')}`;
    const rng = new Random(seed ^ 0xb1);
    const protos = Array.from({ length: 6 }, () => Array.from({ length: 4 }, () => rng.int(256)));
    const rows = Array.from({ length: 400 }, (_, id) => ({ id, b: rng.pick(protos).map((x) => x ^ (rng.int(256) & rng.int(256))) }));
    const hamming = (a: number[], c: number[]): number => a.reduce((s, x, i) => s + (x ^ c[i]!).toString(2).replace(/0/g, '').length, 0);
    let db: BrowserDatabase = await openDatabase(url, { kernels: kernelsUrl, engine });
    await db.createCollection({ collection_name: 'bin', fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'b', data_type: DataType.BinaryVector, dim: 32 },
    ] });
    await expect(db.createIndex({ collection_name: 'bin', field_name: 'b', index_type: 'BIN_IVF_FLAT', metric_type: 'L2', params: { nlist: '512' } })).rejects.toMatchObject({ code: 1100 });
    await db.createIndex({ collection_name: 'bin', field_name: 'b', index_type: 'BIN_IVF_FLAT', metric_type: 'HAMMING', params: { nlist: '512' } });
    await db.insert({ collection_name: 'bin', data: rows });
    await db.flush({ collection_names: ['bin'] });
    let d = (await db.describeIndex({ collection_name: 'bin' })).index_descriptions[0]!;
    for (let i = 0; i < 500 && d.state !== 'Finished'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      d = (await db.describeIndex({ collection_name: 'bin' })).index_descriptions[0]!;
    }
    expect(d).toMatchObject({ index_type: 'BIN_IVF_FLAT', state: 'Finished', indexed_rows: '400' });
    await db.loadCollection({ collection_name: 'bin' });
    const q = Array.from({ length: 4 }, () => rng.int(256));
    const exact = rows.map((r) => hamming(r.b, q)).sort((x, y) => x - y).slice(0, 10);
    const search = async (): Promise<{ id: unknown; score: number }[]> =>
      (await db.search({ collection_name: 'bin', anns_field: 'b', data: q, limit: 10, consistency_level: 'Strong', params: { nprobe: 65536 } } as never)).results as never;
    const first = await search();
    expect(first.map((h) => h.score), `seed ${seed}`).toEqual(exact);
    for (const h of first) expect(hamming(rows[Number(h.id)]!.b, q)).toBe(h.score);
    await db.close();
    db = await openDatabase(url, { kernels: kernelsUrl, engine });
    await db.loadCollection({ collection_name: 'bin' });
    expect(await search(), `after reopen, seed ${seed}`).toEqual(first);
    await db.close();
  });

  it('transfers Float32Array vectors zero-copy when asked', async () => {
    const db = await openDatabase('memory://', { transferVectors: true });
    await db.createCollection({ collection_name: 'v', dimension: 4 });
    const vec = new Float32Array([1, 2, 3, 4]);
    await db.insert({ collection_name: 'v', data: [{ id: 1, vector: vec }] });
    expect(vec.buffer.byteLength).toBe(0); // detached: moved, not copied
    const res = await db.search({ collection_name: 'v', data: new Float32Array([1, 2, 3, 4]), limit: 1, consistency_level: 'Strong' });
    expect(res.results[0]).toMatchObject({ id: '1' });
    await db.close();
  });

  it('sends a query cut from a large array as its own bytes: the dataset is neither moved nor detached', async () => {
    const db = await openDatabase('memory://', { transferVectors: true });
    await db.createCollection({ collection_name: 'v', dimension: 4 });
    // a 4 MB dataset; the query is one row of it, taken with subarray
    const all = new Float32Array(1 << 20).map((_, i) => (i % 97) / 97);
    await db.insert({ collection_name: 'v', data: [{ id: 1, vector: all.slice(8, 12) }, { id: 2, vector: [9, 9, 9, 9] }] });
    const res = await db.search({ collection_name: 'v', data: all.subarray(8, 12), limit: 1, consistency_level: 'Strong' });
    expect(res.results[0]).toMatchObject({ id: '1' });
    expect(all.buffer.byteLength, 'the caller keeps its dataset').toBe(4 << 20);
    await db.close();
  });
});
