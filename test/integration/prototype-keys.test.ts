/**
 * Issue 11 item 10: dynamic fields named like Object.prototype members (`constructor`,
 * `toString`, `valueOf`, `hasOwnProperty`, `__proto__`) are stored, filterable and returned
 * like any other key — by `output_fields: ['*']` and by name — before and after a flush, and a
 * row without them does not grow them from the prototype.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';

const KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];

let db: VesperClient;
beforeAll(async () => {
  db = await memoryDb();
});
afterAll(() => db.close());

describe('dynamic keys named like prototype members', () => {
  for (const flushed of [false, true]) {
    it(`are stored and returned like any key (${flushed ? 'sealed' : 'growing'})`, async () => {
      const name = flushed ? 'proto_sealed' : 'proto_growing';
      await db.createCollection({
        collection_name: name,
        enable_dynamic_field: true,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'v', data_type: DataType.FloatVector, dim: 2 },
        ],
        index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
      });
      // JSON.parse makes `__proto__` an own key, as a REST body or a JSON file does
      const row = JSON.parse(`{"id": 1, "v": [0, 1], ${KEYS.map((k, i) => `"${k}": ${i + 10}`).join(', ')}}`) as Record<string, unknown>;
      expect(Object.keys(row)).toContain('__proto__');
      await db.insert({ collection_name: name, data: [row, { id: 2, v: [1, 0], other: 1 }] });
      if (flushed) await db.flush({ collection_names: [name] });
      const all = await db.query({ collection_name: name, filter: 'id >= 0', output_fields: ['*'], consistency_level: 'Strong' });
      const first = all.data.find((r) => Number(r['id']) === 1)!;
      const second = all.data.find((r) => Number(r['id']) === 2)!;
      KEYS.forEach((k, i) => {
        expect(Object.hasOwn(first, k), k).toBe(true);
        expect(Object.getOwnPropertyDescriptor(first, k)?.value, k).toBe(i + 10);
        expect(Object.hasOwn(second, k), k).toBe(false);
      });
      expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
      const named = await db.query({ collection_name: name, filter: 'id >= 0', output_fields: ['constructor', '__proto__'], consistency_level: 'Strong' });
      const n1 = named.data.find((r) => Number(r['id']) === 1)!;
      expect(Object.getOwnPropertyDescriptor(n1, '__proto__')?.value).toBe(14);
      expect(Object.getOwnPropertyDescriptor(n1, 'constructor')?.value).toBe(10);
      const n2 = named.data.find((r) => Number(r['id']) === 2)!;
      expect(Object.hasOwn(n2, 'constructor')).toBe(false);
      for (const [k, v] of [['constructor', 10], ['toString', 11], ['__proto__', 14]] as const) {
        const hit = await db.query({ collection_name: name, filter: `${k} == ${v}`, output_fields: ['id'], consistency_level: 'Strong' });
        expect(hit.data.map((r) => Number(r['id'])), k).toEqual([1]);
      }
    });
  }
});
