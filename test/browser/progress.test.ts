/**
 * Progress and cancellation in Chromium: a bulk insert chunked into acknowledged batches
 * with progress events, stopped by an AbortSignal between batches; an index build awaited
 * with describeIndex progress, and cancelled (the index is dropped); searches cancelled
 * before and while they run. Vectors are seeded (the seed is in the title).
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { Random } from '@vesper/core';
import { openDatabase, type BrowserDatabase, type IndexProgress, type RowProgress } from '../../packages/browser/src/index.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();
const DIM = 32;
const engine = { sealPolicy: { maxRows: 2000, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 } };

function rows(rng: Random, from: number, n: number): Array<{ id: number; vector: number[] }> {
  return Array.from({ length: n }, (_, i) => ({ id: from + i, vector: Array.from({ length: DIM }, () => rng.next() * 2 - 1) }));
}

async function setup(): Promise<BrowserDatabase> {
  const db = await openDatabase(`opfs://${freshName('progress')}`, { kernels: kernelsUrl, engine });
  await db.createCollection({ collection_name: 'v', dimension: DIM });
  return db;
}

describe(`progress and cancellation (seed ${seed})`, () => {
  it('chunks a bulk insert with progress, and stops between batches on abort', async () => {
    const db = await setup();
    const rng = new Random(seed);
    const events: RowProgress[] = [];
    const res = await db.insert({ collection_name: 'v', data: rows(rng, 0, 5000), batch_size: 1000, onProgress: (p) => events.push(p) });
    expect(events.map((e) => e.done)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(events.every((e) => e.total === 5000)).toBe(true);
    expect(res.insert_cnt).toBe('5000');
    expect(res.IDs['int_id']?.data).toHaveLength(5000);

    const ac = new AbortController();
    const err = await db
      .insert({ collection_name: 'v', data: rows(rng, 10_000, 5000), batch_size: 500, signal: ac.signal, onProgress: (p) => p.done >= 1500 && ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ error: 'CANCELLED', details: { inserted: 1500, total: 5000 } });
    expect((await db.count({ collection_name: 'v', consistency_level: 'Strong' })).data).toBe(6500);
    await db.close();
  });

  it('reports index build progress until Finished, and cancels a build by dropping the index', async () => {
    const db = await setup();
    const rng = new Random(seed ^ 0x11);
    await db.insert({ collection_name: 'v', data: rows(rng, 0, 6000), batch_size: 2000 });
    await db.flush({ collection_names: ['v'] });
    await db.releaseCollection({ collection_name: 'v' }).catch(() => undefined);
    const events: IndexProgress[] = [];
    await db.dropIndex({ collection_name: 'v', field_name: 'vector' }).catch(() => undefined);
    await db.createIndex({ collection_name: 'v', field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 40 }, onProgress: (p) => events.push(p) });
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ state: 'Finished', pendingRows: 0 });
    expect(events.at(-1)!.indexedRows).toBeGreaterThanOrEqual(6000);

    await db.dropIndex({ collection_name: 'v', field_name: 'vector' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 5);
    const err = await db
      .createIndex({ collection_name: 'v', field_name: 'vector', index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 200 }, signal: ac.signal })
      .catch((e: unknown) => e);
    if (err !== undefined) {
      expect(err).toMatchObject({ error: 'CANCELLED' });
      await expect(db.describeIndex({ collection_name: 'v' })).rejects.toMatchObject({ error: 'INDEX_NOT_FOUND' });
    }
    await db.loadCollection({ collection_name: 'v' });
    expect((await db.search({ collection_name: 'v', data: rows(rng, 0, 1)[0]!.vector, limit: 3 })).results).toHaveLength(3);
    await db.close();
  });

  it('cancels searches: an aborted signal rejects at once, an abort in flight rejects with CANCELLED', async () => {
    const db = await setup();
    const rng = new Random(seed ^ 0x22);
    await db.insert({ collection_name: 'v', data: rows(rng, 0, 3000), batch_size: 3000 });
    await db.loadCollection({ collection_name: 'v' });
    const q = rows(rng, 0, 64).map((r) => r.vector);
    await expect(db.search({ collection_name: 'v', data: q[0]!, limit: 5, signal: AbortSignal.abort() })).rejects.toMatchObject({ error: 'CANCELLED' });
    const ac = new AbortController();
    const pending = db.search({ collection_name: 'v', data: q, limit: 50, signal: ac.signal, consistency_level: 'Strong' });
    ac.abort();
    await expect(pending).rejects.toMatchObject({ error: 'CANCELLED' });
    // the database keeps answering after cancellations
    const ok = await db.search({ collection_name: 'v', data: q[1]!, limit: 5, consistency_level: 'Strong' });
    expect(ok.results).toHaveLength(5);
    await db.close();
  });
});
