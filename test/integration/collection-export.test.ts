/**
 * Export/import of a collection through files (`@vesper/core/node`): an auto_id collection
 * with a VarChar field, dynamic fields, a manual partition, an HNSW index with an index
 * property (mmap) and a TTL property,
 * its rows spread over sealed and growing segments with some deleted, goes to a file and comes
 * back under a new name and into a fresh database in another directory. The oracle is the
 * source collection: the same rows with the same primary keys in the same partitions, the same
 * describeCollection and describeIndex, the same search answers; later auto ids never reuse an
 * imported key, nor one restoreRows wrote. A partition-key collection keeps its partition count; a damaged file, a newer
 * version or an unknown feature flag is a coded error and creates nothing, and so is a cancelled
import.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatch, Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { exportCollection, importCollection, openDatabase } from '@vesper/core/node';
import { checkTrailer, joinWithTrailer } from '../../packages/core/src/storage/batch-trailer.ts';
import { cleanup, rejectsWithCode, tempDir } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = 8;
const STRONG = { consistency_level: 'Strong' as const };
const open: VesperClient[] = [];
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cleanup();
});

async function db(): Promise<VesperClient> {
  const d = await openDatabase({ path: await tempDir() });
  open.push(d);
  return d;
}

const vec = (rng: Random): number[] => Array.from({ length: DIM }, () => Math.fround(rng.gaussian()));
const byId = (rows: Record<string, unknown>[]): Record<string, unknown>[] => [...rows].sort((a, b) => (BigInt(a['id'] as string) < BigInt(b['id'] as string) ? -1 : 1));

async function partitionRows(d: VesperClient, name: string, partition: string): Promise<Record<string, unknown>[]> {
  return byId((await d.query({ collection_name: name, partition_names: [partition], filter: '', output_fields: ['*'], limit: 16384, ...STRONG })).data);
}

/** describeCollection without what names one particular collection (ids, name, times, channels). */
async function definition(d: VesperClient, name: string): Promise<Record<string, unknown>> {
  const { collectionID: _i, collection_name: _n, created_timestamp: _t, created_utc_timestamp: _u, virtual_channel_names: _v, physical_channel_names: _p, schema, ...rest } = await d.describeCollection({ collection_name: name });
  const { name: _s, ...s } = schema as Record<string, unknown>;
  return { ...rest, schema: s };
}

async function indexes(d: VesperClient, name: string): Promise<unknown[]> {
  return (await d.describeIndex({ collection_name: name })).index_descriptions.map((i) => ({ index_name: i.index_name, field_name: i.field_name, index_type: i.index_type, metric_type: i.metric_type, params: i.params }));
}

describe(`collection export/import from Node (seed ${seed})`, () => {
  it('keeps auto_id keys, partitions, indexes, properties and every row', async () => {
    const rng = new Random(seed);
    const a = await db();
    await a.createCollection({
      collection_name: 'src',
      enable_dynamic_field: true,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: true },
        { name: 'tag', data_type: DataType.VarChar, max_length: 64 },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      ],
      properties: { 'collection.ttl.seconds': '864000' },
    });
    await a.createPartition({ collection_name: 'src', partition_name: 'p1' });
    await a.createIndex({ collection_name: 'src', field_name: 'v', index_type: 'HNSW', metric_type: 'L2', index_name: 'v_hnsw', params: { M: 8, efConstruction: 64 } });
    await a.alterIndexProperties({ collection_name: 'src', index_name: 'v_hnsw', params: { 'mmap.enabled': 'true' } });
    await a.loadCollection({ collection_name: 'src' });
    const ids: string[] = [];
    let n = 0;
    for (let wave = 0; wave < 3; wave++) {
      for (const partition of ['_default', 'p1']) {
        const data = Array.from({ length: 60 }, () => {
          const i = n++;
          return { tag: `t${i % 7}`, v: vec(rng), ...(i % 3 === 0 ? { color: ['red', 'blue'][i % 2], score: i / 4 } : { nested: { i, list: [i, 'x'] } }) };
        });
        const res = await a.insert({ collection_name: 'src', partition_name: partition, data });
        ids.push(...res.IDs.int_id!.data);
      }
      if (wave < 2) await a.flush({ collection_names: ['src'] });
    }
    // delete some rows from sealed and growing segments alike
    const gone = ids.filter(() => rng.next() < 0.15);
    await a.delete({ collection_name: 'src', ids: gone.map(Number) });
    const live = ids.length - gone.length;

    const file = join(await tempDir(), 'src.vesper-export');
    const progress: number[] = [];
    const out = await exportCollection(a, 'src', file, { pageSize: 50, onProgress: (p) => progress.push(p.done) });
    expect(out).toMatchObject({ collection_name: 'src', rows: live });
    expect(progress[progress.length - 1]).toBe(live);

    const b = await db();
    for (const [target, name] of [[a, 'copy'], [b, 'src']] as const) {
      const res = await importCollection(target, file, name === 'src' ? {} : { collection_name: name, batchSize: 70 });
      expect(res).toEqual({ collection_name: name, rows: live });
      expect((await target.count({ collection_name: name, ...STRONG })).data).toBe(live);
      for (const p of ['_default', 'p1']) expect(await partitionRows(target, name, p)).toEqual(await partitionRows(a, 'src', p));
      expect((await target.showPartitions({ collection_name: name })).partition_names).toEqual(['_default', 'p1']);
      expect(await definition(target, name)).toEqual(await definition(a, 'src'));
      expect(await indexes(target, name)).toEqual(await indexes(a, 'src'));
      const q = new Random(seed ^ 0x5eed);
      for (let i = 0; i < 5; i++) {
        const data = vec(q);
        const hits = async (d: VesperClient, c: string): Promise<unknown[]> =>
          (await d.search({ collection_name: c, data, limit: 10, params: { ef: 400 }, output_fields: ['tag', 'color'], ...STRONG })).results;
        expect(await hits(target, name)).toEqual(await hits(a, 'src'));
      }
    }
    // a later auto id in the fresh database never reuses an imported key
    const fresh = await b.insert({ collection_name: 'src', data: [{ tag: 'new', v: vec(rng) }] });
    expect(ids).not.toContain(fresh.IDs.int_id!.data[0]);
    expect((await b.count({ collection_name: 'src', ...STRONG })).data).toBe(live + 1);
    // restoreRows moves the auto id allocator past the largest key it writes
    const ahead = BigInt(Date.now()) * 1000n + 10n ** 12n;
    await b.restoreRows({ collection_name: 'src', data: [{ id: ahead, tag: 'ahead', v: vec(rng) }] });
    const after = await b.insert({ collection_name: 'src', data: [{ tag: 'after', v: vec(rng) }] });
    expect(BigInt(after.IDs.int_id!.data[0]!)).toBeGreaterThan(ahead);
    await rejectsWithCode(b.restoreRows({ collection_name: 'src', data: [{ tag: 'no key', v: vec(rng) }] }), 1806);
    // an existing name is refused (Milvus's 1100) and left alone
    await rejectsWithCode(importCollection(a, file, { collection_name: 'copy' }), 1100);
    expect((await a.count({ collection_name: 'copy', ...STRONG })).data).toBe(live);
  });

  it('keeps the partition count of a partition-key collection and each row in its partition', async () => {
    const rng = new Random(seed ^ 0x77);
    const a = await db();
    await a.createCollection({
      collection_name: 'pk',
      num_partitions: 5,
      fields: [
        { name: 'id', data_type: DataType.VarChar, is_primary_key: true, max_length: 16 },
        { name: 'tenant', data_type: DataType.Int64, is_partition_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      ],
      index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'IP' }],
    });
    await a.insert({ collection_name: 'pk', data: Array.from({ length: 200 }, (_, i) => ({ id: `k${i}`, tenant: rng.int(1000), v: vec(rng) })) });
    const file = join(await tempDir(), 'pk.vesper-export');
    await exportCollection(a, 'pk', file);
    const b = await db();
    await importCollection(b, file);
    const parts = (await a.showPartitions({ collection_name: 'pk' })).partition_names;
    expect(parts).toHaveLength(5);
    expect((await b.showPartitions({ collection_name: 'pk' })).partition_names).toEqual(parts);
    expect((await b.describeCollection({ collection_name: 'pk' }))['num_partitions']).toBe('5');
    const rowsIn = async (d: VesperClient, p: string): Promise<unknown[]> =>
      (await d.query({ collection_name: 'pk', partition_names: [p], filter: '', output_fields: ['*'], limit: 1000, ...STRONG })).data.sort((x, y) => String(x['id']).localeCompare(String(y['id'])));
    for (const p of parts) expect(await rowsIn(b, p)).toEqual(await rowsIn(a, p));
  });

  it('keeps the load state: a released partition, a collection never loaded', async () => {
    const rng = new Random(seed ^ 0x41);
    const a = await db();
    for (const name of ['half', 'cold']) {
      await a.createCollection({ collection_name: name, dimension: DIM });
      await a.createPartition({ collection_name: name, partition_name: 'b' });
      for (const partition_name of ['_default', 'b']) {
        await a.insert({ collection_name: name, partition_name, data: Array.from({ length: 20 }, (_, i) => ({ id: partition_name === 'b' ? 100 + i : i, vector: vec(rng) })) });
      }
    }
    await a.releasePartitions({ collection_name: 'half', partition_names: ['b'] });
    await a.releaseCollection({ collection_name: 'cold' });
    const dir = await tempDir();
    const b = await db();
    const state = async (d: VesperClient, c: string, p?: string): Promise<string> => (await d.getLoadState({ collection_name: c, ...(p ? { partition_names: [p] } : {}) })).state;
    for (const name of ['half', 'cold']) {
      await exportCollection(a, name, join(dir, name));
      await importCollection(b, join(dir, name));
      for (const d of [a, b]) {
        expect(await state(d, name)).toBe(name === 'half' ? 'LoadStateLoaded' : 'LoadStateNotLoad');
        expect(await state(d, name, 'b')).toBe('LoadStateNotLoad');
      }
      if (name === 'half') expect(await state(b, name, '_default')).toBe('LoadStateLoaded');
      await a.loadCollection({ collection_name: name });
      await b.loadCollection({ collection_name: name });
      for (const p of ['_default', 'b']) {
        const rows = async (d: VesperClient): Promise<unknown[]> => (await d.query({ collection_name: name, partition_names: [p], filter: '', output_fields: ['*'], limit: 100, ...STRONG })).data;
        expect(await rows(b)).toHaveLength(20);
        expect(await rows(b)).toEqual(await rows(a));
      }
    }
  });

  it('refuses a damaged file, a newer version and an unknown feature flag, creating nothing', async () => {
    const a = await db();
    await a.createCollection({ collection_name: 'c', dimension: DIM });
    const rng = new Random(seed ^ 0x99);
    await a.insert({ collection_name: 'c', data: Array.from({ length: 30 }, (_, i) => ({ id: i, vector: vec(rng) })) });
    const dir = await tempDir();
    const file = join(dir, 'c.vesper-export');
    await exportCollection(a, 'c', file);
    const good = new Uint8Array(await readFile(file));
    const b = await db();
    const refused = async (bytes: Uint8Array, code: number): Promise<void> => {
      const path = join(dir, `bad-${code}-${rng.int(1e9)}`);
      await writeFile(path, bytes);
      await rejectsWithCode(importCollection(b, path), code);
      expect((await b.listCollections()).collection_names).toEqual([]);
    };
    const flipped = good.slice();
    flipped[Math.floor(flipped.length / 2)]! ^= 0x10;
    await refused(flipped, 2002);
    await refused(good.subarray(0, good.length - 100), 2002);
    await refused(new TextEncoder().encode('not an export at all'), 2002);
    // rewrite the metadata, then re-seal the file so only the metadata differs
    const remeta = (key: string, value: string): Uint8Array => {
      const table = tableFromIPC(checkTrailer(good, 'test').arrow);
      const meta = new Map(table.schema.metadata);
      meta.set(key, value);
      const schema = new Schema(table.schema.fields, meta);
      const arrow = tableToIPC(new Table(table.batches.map((x) => new RecordBatch(schema, x.data))), 'stream');
      return joinWithTrailer([arrow], arrow.byteLength);
    };
    await refused(remeta('vesper.features', 'crc32-trailer,partitions,keep-primary-keys,zstd-pages'), 2001);
    await refused(remeta('vesper.version', '2'), 2001);
    await refused(remeta('vesper.kind', 'something-else'), 2002);
    // cancelled half way: what was created is dropped again
    const ac = new AbortController();
    await rejectsWithCode(importCollection(b, file, { batchSize: 10, signal: ac.signal, onProgress: () => ac.abort() }), 2200);
    expect((await b.listCollections()).collection_names).toEqual([]);
    // a sound file still imports afterwards
    expect(await importCollection(b, file)).toEqual({ collection_name: 'c', rows: 30 });
  });
});
