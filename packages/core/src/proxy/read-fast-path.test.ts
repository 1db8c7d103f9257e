/**
 * The in-process read path's shortcuts give the answers of the long way:
 * - readTimestampNow picks the timestamp readTimestamp picks for every level that needs no
 *   wait, and declines (undefined) where readTimestamp allocates or checks: Strong, a session
 *   timestamp ahead of the oracle or not in canonical decimal form;
 * - a cached filter check is per schema object: the same text is checked against another
 *   collection's schema, and a text that failed is not cached;
 * - a get by ids (looked up in the pk index) and a query by `id in [...]` (a filter evaluated
 *   over the segments) answer the same rows, across growing and sealed segments, with
 *   deletes and repeated ids, on random data (seeded).
 */
import { describe, expect, it } from 'vitest';
import { ProxyNode } from './proxy-node.ts';
import { readTimestamp, readTimestampNow } from './request-utils.ts';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { DataType } from '../schema/data-type.ts';
import { Random, testSeed } from '../util/random.ts';
import { filterParseCount } from '../expr/index.ts';
import type { ConsistencyLevel } from '../schema/types.ts';

const seed = testSeed(process.env['VESPER_SEED']);

const ID = { name: 'id', data_type: DataType.Int64, is_primary_key: true };
const V = { name: 'v', data_type: DataType.FloatVector, dim: 2 };
const FLAT = [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }];

/** Collection c (id, v, n: Int32), loaded. */
async function open() {
  const node = await ProxyNode.open(createMemoryStorage());
  await node.handle('createCollection', { collection_name: 'c', fields: [ID, V, { name: 'n', data_type: DataType.Int32 }], index_params: FLAT });
  return node;
}

describe(`in-process read shortcuts (seed ${seed})`, () => {
  it('readTimestampNow agrees with readTimestamp, or declines', async () => {
    const node = await open();
    const w = (await node.handle('insert', { collection_name: 'c', data: [{ id: 1, v: [0, 0], n: 1 }] })) as { timestamp: string };
    const info = node.ctx.collection({ collection_name: 'c' });
    const mgr = await node.ctx.data(info);
    const cases: [ConsistencyLevel, unknown][] = [
      ['Bounded', undefined],
      ['Eventually', undefined],
      ['Session', undefined],
      ['Session', ''],
      ['Session', w.timestamp],
      ['Session', '0'],
    ];
    for (const [level, session] of cases) {
      const now = readTimestampNow(node.ctx, mgr, level, session);
      expect(now, `${level} ${String(session)}`).toBe(await readTimestamp(node.ctx, mgr, level, session));
    }
    expect(readTimestampNow(node.ctx, mgr, 'Strong', undefined)).toBeUndefined();
    const ahead = (BigInt(w.timestamp) + (1n << 40n)).toString();
    expect(readTimestampNow(node.ctx, mgr, 'Session', ahead)).toBeUndefined();
    expect(readTimestampNow(node.ctx, mgr, 'Session', ` ${w.timestamp}`)).toBeUndefined();
    await expect(readTimestamp(node.ctx, mgr, 'Session', ahead)).rejects.toMatchObject({ code: 1100 });
    await node.close();
  });

  it('a cached filter check belongs to its schema', async () => {
    const node = await open();
    await node.handle('createCollection', { collection_name: 'other', fields: [ID, V], index_params: FLAT });
    await node.handle('insert', { collection_name: 'c', data: [{ id: 1, v: [0, 0], n: 1 }] });
    const q = (collection_name: string, filter: string) => node.handle('query', { collection_name, filter, output_fields: ['id'], consistency_level: 'Strong' });
    const before = filterParseCount();
    await expect(q('c', 'n > 0')).resolves.toMatchObject({ data: [{ id: '1' }] });
    await expect(q('c', 'n > 0')).resolves.toMatchObject({ data: [{ id: '1' }] });
    expect(filterParseCount() - before).toBe(1);
    // the same text against another schema is checked against that one (no field n there)
    await expect(q('other', 'n > 0')).rejects.toMatchObject({ code: 1100 });
    // a refused text is checked again each time, never served from the cache
    await expect(q('other', 'n > 0')).rejects.toMatchObject({ code: 1100 });
    expect(filterParseCount() - before).toBe(3);
    await node.close();
  });

  it('a get by ids answers what a query by `id in [...]` answers', async () => {
    const rng = new Random(seed);
    const node = await ProxyNode.open(createMemoryStorage(), { sealPolicy: { maxRows: 40, maxBytes: 2 ** 40, maxAgeMs: 2 ** 40, compactBelowRows: 0, compactDeletedRatio: 1 } });
    await node.handle('createCollection', { collection_name: 'g', dimension: 2 });
    for (let round = 0; round < 6; round++) {
      const rows = Array.from({ length: 30 }, () => ({ id: rng.int(120), vector: [rng.next(), rng.next()], n: rng.int(5) }));
      await node.handle(rng.int(2) === 0 ? 'insert' : 'upsert', { collection_name: 'g', data: rows.filter((r, i) => rows.findIndex((x) => x.id === r.id) === i) });
      await node.handle('delete', { collection_name: 'g', ids: Array.from({ length: 5 }, () => rng.int(120)) });
      if (round % 2 === 1) await node.handle('flush', { collection_names: ['g'] });
    }
    await node.idle();
    for (let t = 0; t < 20; t++) {
      const ids = Array.from({ length: 1 + rng.int(12) }, () => rng.int(130));
      const get = (await node.handle('get', { collection_name: 'g', ids, output_fields: ['*'], consistency_level: 'Strong' })) as { data: unknown[] };
      const query = (await node.handle('query', { collection_name: 'g', filter: `id in [${ids.join(', ')}]`, output_fields: ['*'], consistency_level: 'Strong' })) as { data: unknown[] };
      expect(get.data, `ids ${ids.join(',')}`).toEqual(query.data);
    }
    await node.close();
  });
});
