/**
 * Issue 11 item 11: a key repeated inside one insert or upsert batch keeps its last row, as
 * a key repeated across batches does. A seeded stream of batches that repeat keys (within the
 * batch and across batches), with flushes between some of them, is checked after every batch
 * against a reference model (a Map, last write wins): count, get of every touched key, a
 * full query, and an exact (FLAT) search whose hits must be distinct keys carrying their
 * latest vector's distance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';

const seed = testSeed(process.env.VESPER_SEED);
const DIM = 4;
const KEYS = 40;

let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb();
});
afterAll(() => db.close());

interface Row {
  id: number;
  v: number[];
  n: number;
}

function l2(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);
}

describe(`last write wins inside a batch (seed ${seed})`, () => {
  it('insert and upsert batches repeating keys agree with a reference model, growing and sealed', async () => {
    const rng = new Random(seed);
    await db.createCollection({
      collection_name: 'dups',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim: DIM },
        { name: 'n', data_type: DataType.Int32 },
      ],
      index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
    });
    const model = new Map<number, Row>();
    let serial = 0;
    for (let round = 0; round < 12; round++) {
      const size = rng.range(2, 12);
      const batch: Row[] = Array.from({ length: size }, () => ({ id: rng.int(KEYS), v: Array.from({ length: DIM }, () => Math.fround(rng.next())), n: serial++ }));
      batch.push({ ...batch[0]!, n: serial++, v: Array.from({ length: DIM }, () => Math.fround(rng.next())) }); // at least one repeat
      const method = rng.next() < 0.5 ? 'insert' : 'upsert';
      await (method === 'insert' ? db.insert({ collection_name: 'dups', data: batch }) : db.upsert({ collection_name: 'dups', data: batch }));
      for (const r of batch) model.set(r.id, r);
      if (rng.next() < 0.4) await db.flush({ collection_names: ['dups'] });
      const where = `seed ${seed} round ${round} (${method})`;

      const count = await db.count({ collection_name: 'dups', consistency_level: 'Strong' });
      expect(count.data, where).toBe(model.size);
      const ids = [...new Set(batch.map((r) => r.id))];
      const got = await db.get({ collection_name: 'dups', ids, output_fields: ['n'], consistency_level: 'Strong' });
      expect(got.data.map((r) => [Number(r['id']), r['n']]).sort((a, b) => Number(a[0]) - Number(b[0])), where).toEqual(
        ids.sort((a, b) => a - b).map((id) => [id, model.get(id)!.n]),
      );
      const all = await db.query({ collection_name: 'dups', filter: 'id >= 0', output_fields: ['n'], limit: 1000, consistency_level: 'Strong' });
      expect(all.data.map((r) => r['n']).sort((a, b) => Number(a) - Number(b)), where).toEqual([...model.values()].map((r) => r.n).sort((a, b) => a - b));

      const q = Array.from({ length: DIM }, () => Math.fround(rng.next()));
      const res = await db.search({ collection_name: 'dups', data: [q], limit: KEYS, output_fields: ['n'], consistency_level: 'Strong' });
      const hits = (res.results as Record<string, unknown>[][])[0]!;
      expect(hits.length, where).toBe(model.size);
      for (const h of hits) {
        const r = model.get(Number(h['id']))!;
        expect(h['n'], where).toBe(r.n);
        expect(Number(h['score'])).toBeCloseTo(l2(r.v, q), 4);
      }
    }
  });
});
