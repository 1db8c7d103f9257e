/**
 * An Int64 field's default value is a bigint in the schema: the catalog stores it exactly (also
 * above 2^53), reads it back as a bigint after a reopen, and rows that omit the field get it.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../node/open-database.ts';
import { useTempDirs } from '../node/fs-test-dirs.ts';

const BIG = 9007199254740993n; // 2^53 + 1: not a double

describe('Int64 default values in the catalog', () => {
  const tempDir = useTempDirs();

  it('creates, survives a reopen and fills omitted values exactly', async () => {
    const path = await tempDir();
    const fields = [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'small', data_type: 'Int64', default_value: 1000 },
      { name: 'big', data_type: 'Int64', default_value: BIG.toString() },
      { name: 'v', data_type: 'FloatVector', dim: 2 },
    ];
    let db = await openDatabase({ path });
    expect((await db.createCollection({ collection_name: 'c', fields } as never)).code).toBe(0);
    // the same create again is a no-op (schemas compared with their bigint defaults)
    expect((await db.createCollection({ collection_name: 'c', fields } as never)).code).toBe(0);
    await db.close();

    db = await openDatabase({ path });
    const desc = (await db.describeCollection({ collection_name: 'c' })) as { schema: { fields: { name: string; default_value?: unknown }[] } };
    const byName = Object.fromEntries(desc.schema.fields.map((f) => [f.name, f]));
    expect(byName['small']?.default_value).toBe('1000');
    expect(byName['big']?.default_value).toBe(BIG.toString());
    await db.createIndex({ collection_name: 'c', field_name: 'v', index_type: 'FLAT', metric_type: 'L2' } as never);
    await db.loadCollection({ collection_name: 'c' });
    await db.insert({ collection_name: 'c', data: [{ id: 1, v: [0, 1] }] });
    const { data } = await db.query({ collection_name: 'c', filter: 'id == 1', output_fields: ['small', 'big'], consistency_level: 'Strong' } as never);
    expect(data).toEqual([{ id: '1', small: '1000', big: BIG.toString() }]);
    await db.close();
  });
});
