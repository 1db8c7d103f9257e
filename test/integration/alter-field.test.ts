/**
 * alterCollectionField (Milvus's `alter_collection_field`, REST `collections/fields/alter_properties`):
 * a VarChar's max_length and an Array's max_capacity change; writes from then on are checked
 * against the new bound, stored rows are kept, describe shows it, and it survives a reopen.
 * Anything else (unknown keys, mmap.enabled, out-of-range values, a field without the
 * property) is refused with 1100 and changes nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';
import { cleanup, rejectsWithCode, tempDir } from '../fixtures/open.ts';

afterAll(cleanup);

type DescribedField = { name: string; type_params: { key: string; value: string }[] };
const fieldsOf = (d: unknown): DescribedField[] => (d as { schema: { fields: DescribedField[] } }).schema.fields;

const fields = [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'v', data_type: DataType.FloatVector, dim: 2 },
  { name: 's', data_type: DataType.VarChar, max_length: 8 },
  { name: 'tags', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 2, max_length: 4 },
  { name: 'n', data_type: DataType.Int32 },
];

describe('alterCollectionField', () => {
  it('changes max_length / max_capacity for later writes, keeps stored rows, persists; refuses the rest', async () => {
    const dir = await tempDir();
    let db = await openDatabase({ path: dir });
    await db.createCollection({ collection_name: 'c', fields, index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }] });
    await db.insert({ collection_name: 'c', data: [{ id: 1, v: [0, 1], s: 'abcdefgh', tags: ['ab'], n: 1 }] });
    const long = { id: 2, v: [1, 0], s: 'abcdefghijkl', tags: ['a', 'b', 'c'], n: 2 };
    await rejectsWithCode(db.insert({ collection_name: 'c', data: [long] }), 1804);

    await db.alterCollectionField({ collection_name: 'c', field_name: 's', field_params: { max_length: '16' } });
    await db.alterCollectionField({ collection_name: 'c', field_name: 'tags', field_params: { max_capacity: 3 } });
    await db.insert({ collection_name: 'c', data: [long] });
    const desc = await db.describeCollection({ collection_name: 'c' });
    const params = (name: string) => Object.fromEntries(fieldsOf(desc).find((f) => f.name === name)!.type_params.map((p) => [p.key, p.value]));
    expect(params('s')['max_length']).toBe('16');
    expect(params('tags')['max_capacity']).toBe('3');

    // lowered: a stored longer value stays readable; new writes obey the new bound
    await db.alterCollectionField({ collection_name: 'c', field_name: 's', field_params: { max_length: 4 } });
    await rejectsWithCode(db.insert({ collection_name: 'c', data: [{ ...long, id: 3 }] }), 1804);
    const rows = await db.query({ collection_name: 'c', filter: 'id in [1, 2]', output_fields: ['s'], consistency_level: 'Strong' });
    expect(rows.data.map((r) => r['s']).sort()).toEqual(['abcdefgh', 'abcdefghijkl']);

    // refused, by name, changing nothing
    for (const [field, p] of [
      ['s', { 'mmap.enabled': true }],
      ['s', { max_length: 0 }],
      ['s', { max_length: 70_000 }],
      ['s', { max_length: 'ten' }],
      ['n', { max_length: 10 }],
      ['s', { max_capacity: 2 }],
      ['s', {}],
      ['missing', { max_length: 10 }],
    ] as const) {
      await rejectsWithCode(db.alterCollectionField({ collection_name: 'c', field_name: field, field_params: p as Record<string, unknown> }), 1100);
    }
    await db.close();

    db = await openDatabase({ path: dir });
    const again = await db.describeCollection({ collection_name: 'c' });
    expect(fieldsOf(again).find((f) => f.name === 's')!.type_params).toContainEqual({ key: 'max_length', value: '4' });
    await rejectsWithCode(db.insert({ collection_name: 'c', data: [{ ...long, id: 4 }] }), 1804);
    await db.close();
  });
});
