/**
 * Restart of a file-backed database mid-stream: after acknowledged inserts, deletes (by
 * ids and by filter), upserts, automatic seals, a manual flush, a compaction and an index
 * build, more writes stay only in the WAL; reopening must give identical query, count and
 * search results (including filtered, ranged and grouped searches).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Random, testSeed, type VesperClient } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';
import { allTypesFields, allTypesRows, vector } from '../fixtures/collections.ts';
import { cleanup, tempDir } from '../fixtures/open.ts';

afterAll(cleanup);

const policy = { maxRows: 250, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 1000, compactDeletedRatio: 0.1 };

async function snapshot(db: VesperClient, seed: number): Promise<unknown> {
  const rng = new Random(seed);
  const c = 'books';
  const strong = { collection_name: c, consistency_level: 'Strong' as const };
  const all = await db.query({ ...strong, filter: 'pk >= 0', output_fields: ['*'] });
  const count = await db.count({ ...strong });
  const filtered = await db.count({ ...strong, filter: 'tag in ["red", "blue"] and i8 > 0' });
  const searches = [];
  for (let i = 0; i < 5; i++) {
    const q = vector(rng);
    searches.push(await db.search({ ...strong, data: q, limit: 7, output_fields: ['tag', 'i64'] }));
    searches.push(await db.search({ ...strong, data: q, limit: 5, filter: 'flag == true', metric_type: 'L2' }));
    searches.push(await db.search({ ...strong, data: [q, vector(rng)], limit: 3, params: { radius: 30, range_filter: 1 } }));
    searches.push(await db.search({ ...strong, data: q, limit: 3, group_by_field: 'tag', group_size: 2 }));
  }
  const strip = (s: { results: unknown }): unknown => s.results;
  expect(searches.every((s) => (s.results as unknown[]).length > 0)).toBe(true);
  return { all: all.data, count: count.data, filtered: filtered.data, searches: searches.map(strip) };
}

async function waitIndexed(db: VesperClient): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const d = (await db.describeIndex({ collection_name: 'books' })).index_descriptions[0]!;
    if (d.state === 'Finished') return Number(d.indexed_rows);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('index build did not finish');
}

describe('restart mid-stream', () => {
  it('reopens to identical results', async () => {
    const seed = testSeed(process.env.VESPER_SEED);
    const dir = await tempDir();
    const model = new Map<number, Record<string, unknown>>();
    const put = (rows: Record<string, unknown>[]): void => rows.forEach((r) => model.set(r['pk'] as number, r));
    let db = await openDatabase({ path: dir, sealPolicy: policy });
    await db.createCollection({ collection_name: 'books', fields: allTypesFields as never, enable_dynamic_field: true, shards_num: 2 });
    await db.createIndex({ collection_name: 'books', field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } });
    await db.loadCollection({ collection_name: 'books' });
    for (let b = 0; b < 8; b++) {
      const rows = allTypesRows(seed + b, b * 100, 100);
      await db.insert({ collection_name: 'books', data: rows });
      put(rows);
    }
    await db.delete({ collection_name: 'books', ids: [3, 5, 7, 150, 151] });
    [3, 5, 7, 150, 151].forEach((k) => model.delete(k));
    await db.delete({ collection_name: 'books', filter: 'tag == "cyan" and pk < 300' });
    for (const [k, r] of model) if (r['tag'] === 'cyan' && k < 300) model.delete(k);
    const up = allTypesRows(seed + 99, 10, 20);
    await db.upsert({ collection_name: 'books', data: up });
    put(up);
    await db.flush({ collection_names: ['books'] });
    const { compactionID } = await db.compact({ collection_name: 'books' });
    for (let i = 0; i < 200; i++) {
      const s = await db.getCompactionState({ compactionID });
      if (s.state !== 'Executing') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await db.getCompactionState({ compactionID })).state).toBe('Completed');
    const indexed = await waitIndexed(db);
    expect(indexed).toBeGreaterThan(0);
    // Only in the WAL from here on:
    const tail = allTypesRows(seed + 500, 900, 60);
    await db.insert({ collection_name: 'books', data: tail });
    put(tail);
    await db.delete({ collection_name: 'books', filter: 'pk in [901, 902, 20, 400]' });
    [901, 902, 20, 400].forEach((k) => model.delete(k));
    const up2 = allTypesRows(seed + 501, 905, 3);
    await db.upsert({ collection_name: 'books', data: up2 });
    put(up2);
    const before = await snapshot(db, seed);
    await db.close();

    db = await openDatabase({ path: dir, sealPolicy: policy });
    const after = await snapshot(db, seed);
    // The index came back from its files: every sealed row is indexed without a rebuild.
    const desc = (await db.describeIndex({ collection_name: 'books' })).index_descriptions[0]!;
    expect(Number(desc.indexed_rows)).toBe(indexed);
    expect(after, `seed ${seed}`).toEqual(before);
    // And once more after another clean restart with no writes in between.
    await db.close();
    db = await openDatabase({ path: dir, sealPolicy: policy });
    expect(await snapshot(db, seed), `seed ${seed}`).toEqual(before);
    expect((before as { count: number }).count, `seed ${seed}`).toBe(model.size);
    const pks = (before as { all: { pk: string }[] }).all.map((r) => Number(r.pk));
    expect(pks, `seed ${seed}`).toEqual([...model.keys()].sort((a, b) => a - b));
    await db.close();
  }, 120_000);
});

