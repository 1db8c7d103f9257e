/**
 * Issue 11 item 13: a delete reports how many rows it removed, as Milvus does — a key that
 * does not exist (or is already deleted, or lives in another partition) counts 0 — by `ids`,
 * by a key filter (`id == k`, `id in [...]`) and by a general filter, on growing and on
 * sealed segments. Each case is checked against a reference set of live keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';

let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb();
});
afterAll(() => db.close());

const schema = {
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    { name: 'n', data_type: DataType.Int32 },
  ],
  index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
};

async function count(name: string): Promise<number> {
  const r = await db.query({ collection_name: name, output_fields: ['count(*)'], consistency_level: 'Strong' });
  return Number((r.data[0] as Record<string, unknown>)['count(*)']);
}

describe('delete_cnt counts the rows that existed', () => {
  for (const sealed of [false, true]) {
    it(`on ${sealed ? 'sealed' : 'growing'} segments`, async () => {
      const name = sealed ? 'del_sealed' : 'del_growing';
      await db.createCollection({ collection_name: name, ...schema });
      await db.createPartition({ collection_name: name, partition_name: 'p' });
      await db.insert({ collection_name: name, data: Array.from({ length: 10 }, (_, i) => ({ id: i, v: [i, 0], n: i })) });
      await db.insert({ collection_name: name, partition_name: 'p', data: [{ id: 100, v: [0, 1], n: 100 }] });
      if (sealed) await db.flush({ collection_names: [name] });
      const live = new Set([...Array.from({ length: 10 }, (_, i) => i), 100]);
      const del = async (req: Record<string, unknown>, expected: number[]): Promise<void> => {
        const res = await db.delete({ collection_name: name, ...req });
        expect(Number(res.delete_cnt), JSON.stringify(req)).toBe(expected.length);
        for (const k of expected) live.delete(k);
        expect(await count(name)).toBe(live.size);
      };
      await del({ filter: 'id == -14' }, []);
      await del({ ids: [-1, -2] }, []);
      await del({ filter: 'id in [1, 2, 999]' }, [1, 2]);
      await del({ filter: 'id in [1, 2]' }, []); // already deleted
      await del({ ids: [3, 3, 4, 1000] }, [3, 4]);
      await del({ ids: [100], partition_name: '_default' }, []); // lives in partition p
      await del({ filter: 'n >= 8' }, [8, 9, 100]);
      await del({ filter: 'n >= 8' }, []);
    });
  }
});
