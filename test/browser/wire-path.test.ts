/**
 * The fast paths between page and engine worker, in Chromium: insert rows packed as columns
 * (row-packing.ts) come back from a real structured clone as the same rows, or are left as
 * rows when packing could not be exact; WAL payloads large enough to be stored as Blobs
 * (idb-wal.ts) read back byte for byte, across a reopen, in LSN order with small ones; and a
 * database fed 1,000-row Float32Array batches answers the same after a reload.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '@vesper/core';
import { IdbWal, openDatabase } from '../../packages/browser/src/index.ts';
import { packRowsRequest, unpackRowsRequest } from '../../packages/worker/src/index.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();

/** What a postMessage with transfer does to a value. */
function cloned<T>(value: T, transfer: ArrayBuffer[]): T {
  return structuredClone(value, { transfer });
}

function floats(rng: Random, dim: number): Float32Array {
  return Float32Array.from({ length: dim }, () => rng.next() * 2 - 1);
}

describe(`insert rows packed as columns (seed ${seed})`, () => {
  it('rebuilds the same rows, vectors exact, the caller’s arrays untouched', () => {
    const rng = new Random(seed);
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, vector: floats(rng, 8), tag: `t${i}`, meta: { n: i }, list: [i, 0.1] }));
    const packed = packRowsRequest('insert', { collection_name: 'c', data: rows });
    expect(packed).toBeDefined();
    expect(packed!.transfer).toHaveLength(1);
    const back = unpackRowsRequest(cloned(packed!.request, packed!.transfer)) as { collection_name: string; data: Array<Record<string, unknown>> };
    expect(back.collection_name).toBe('c');
    expect(back.data).toHaveLength(40);
    back.data.forEach((row, i) => {
      expect(Object.keys(row)).toEqual(['id', 'vector', 'tag', 'meta', 'list']);
      expect(row['vector']).toBeInstanceOf(Float32Array);
      expect(Array.from(row['vector'] as Float32Array)).toEqual(Array.from(rows[i]!.vector));
      expect({ ...row, vector: undefined }).toEqual({ ...rows[i], vector: undefined });
    });
    expect(rows[0]!.vector.length).toBe(8); // not detached
  });

  it('keeps number[] vectors as they are and leaves unpackable batches as rows', () => {
    const asArrays = Array.from({ length: 20 }, (_, i) => ({ id: i, vector: [i, 1 / 3] }));
    const packed = packRowsRequest('upsert', { collection_name: 'c', data: asArrays })!;
    expect(packed.transfer).toHaveLength(0);
    expect((unpackRowsRequest(cloned(packed.request, [])) as { data: unknown }).data).toEqual(asArrays);
    const ragged = asArrays.map((r, i) => (i === 5 ? { vector: r.vector, id: r.id } : r));
    expect(packRowsRequest('insert', { collection_name: 'c', data: ragged })).toBeUndefined();
    const mixedDims = Array.from({ length: 20 }, (_, i) => ({ id: i, vector: new Float32Array(i === 3 ? 3 : 4) }));
    const mixed = packRowsRequest('insert', { collection_name: 'c', data: mixedDims })!;
    expect(mixed.transfer).toHaveLength(0);
    expect(packRowsRequest('insert', { collection_name: 'c', data: asArrays.slice(0, 3) })).toBeUndefined();
    expect(packRowsRequest('search', { collection_name: 'c', data: asArrays })).toBeUndefined();
  });
});

describe('WAL payloads stored as Blobs', () => {
  it('reads large and small payloads back exactly, in order, after a reopen', async () => {
    const rng = new Random(seed ^ 0x77);
    const wal = await IdbWal.open(freshName('wal-blob'));
    const big = (n: number) => Uint8Array.from({ length: n }, () => rng.range(0, 255));
    const payloads = [big(200_000), big(10), big(70_000)];
    const backing = new Uint8Array(300_000);
    backing.set(big(100_000), 1000);
    const view = backing.subarray(1000, 101_000); // a view of a larger buffer
    expect(await wal.append('c1-s0', payloads.slice(0, 2))).toEqual([1, 2]);
    expect(await wal.append('c1-s0', [payloads[2]!, view])).toEqual([3, 4]);
    await wal.close();
    const reopened = await IdbWal.open(wal.dbName);
    const entries = await reopened.read('c1-s0', 0);
    expect(entries.map((e) => e.lsn)).toEqual([1, 2, 3, 4]);
    [...payloads, view].forEach((p, i) => {
      expect(entries[i]!.payload.byteLength).toBe(p.byteLength);
      expect(entries[i]!.payload).toEqual(new Uint8Array(p));
    });
    expect(await reopened.append('c1-s0', [big(5)])).toEqual([5]);
    expect(await reopened.lastLsn('c1-s0')).toBe(5);
    await reopened.close();
  });
});

describe(`1,000-row Float32Array batches through the worker (seed ${seed})`, () => {
  it('inserts packed batches durably: a new worker reopens to the same rows', async () => {
    const rng = new Random(seed ^ 0x99);
    const url = `opfs://${freshName('packed')}`;
    const db = await openDatabase(url);
    await db.createCollection({ collection_name: 'v', dimension: 32 });
    const rows = Array.from({ length: 3000 }, (_, id) => ({ id, vector: floats(rng, 32) }));
    for (let b = 0; b < rows.length; b += 1000) await db.insert({ collection_name: 'v', data: rows.slice(b, b + 1000) });
    const q = rows[1234]!.vector;
    const before = await db.search({ collection_name: 'v', data: q, limit: 3, consistency_level: 'Strong' });
    expect(String((before.results[0] as { id?: unknown }).id)).toBe('1234');
    db.terminate(); // as a closed tab: nothing flushed beyond the acknowledged WAL
    const reopened = await openDatabase(url);
    await reopened.loadCollection({ collection_name: 'v' });
    expect((await reopened.count({ collection_name: 'v', consistency_level: 'Strong' })).data).toBe(3000);
    const after = await reopened.search({ collection_name: 'v', data: q, limit: 3, consistency_level: 'Strong' });
    expect(after.results).toEqual(before.results);
    await reopened.close();
  });
});
