/**
 * Lazy columns in Chromium on OPFS (issue 17): an insert log read by range through its column
 * directory fetches only the blocks of the wanted columns — the vectors are not read when only
 * the scalars are asked for — and decodes to exactly what a whole read gives; a byte damaged in
 * the vectors fails only the reads that touch them (FORMAT_CORRUPT).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, Random } from '@vesper/core';
import { OpfsObjectStore } from '../../packages/browser/src/opfs-object-store.ts';
import { normalizeSchema } from '../../packages/core/src/schema/normalize.ts';
import { rowsToBatch } from '../../packages/core/src/schema/row-batch.ts';
import { valueAt } from '../../packages/core/src/schema/column-ops.ts';
import { decodeBatch, encodeBatch } from '../../packages/core/src/storage/batch-file.ts';
import { readInsertColumns } from '../../packages/core/src/storage/insert-log-reader.ts';
import type { ObjectStore } from '../../packages/core/src/adapters/object-store.ts';
import { browserSeed, freshName, removeOpfsDir } from './browser-helpers.ts';

const seed = browserSeed();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeOpfsDir(d);
});

describe(`insert log columns read by range from OPFS (seed ${seed})`, () => {
  it('reads the scalars without the vectors, equal to a whole read; damage in the vectors fails only reads of them', async () => {
    const dir = `vesper-test/${freshName('lazy-columns')}`;
    dirs.push(dir);
    const store = await OpfsObjectStore.open(dir);
    const rng = new Random(seed);
    const dim = 128;
    const schema = normalizeSchema({
      collection_name: 'lazy',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim },
        { name: 'tag', data_type: DataType.VarChar, max_length: 8, nullable: true },
      ],
    });
    const n = 3000;
    const rows = Array.from({ length: n }, (_, i) => ({ id: i, v: Array.from({ length: dim }, () => rng.gaussian()), tag: rng.bool(0.2) ? null : `t${rng.int(50)}` }));
    const batch = rowsToBatch(schema, rows);
    const bytes = encodeBatch('insert', schema.fields, batch.columns, n);
    await store.put('c1/s1/insert.arrow', bytes);
    let read = 0;
    const counting: ObjectStore = {
      put: (k, b, o) => store.put(k, b, o),
      get: (k) => store.get(k),
      head: (k) => store.head(k),
      list: (p) => store.list(p),
      delete: (k) => store.delete(k),
      getRange: async (k, o, l) => {
        const got = await store.getRange(k, o, l);
        read += got?.byteLength ?? 0;
        return got;
      },
    };
    const scalars = schema.fields.filter((f) => f.name !== 'v');
    const got = await readInsertColumns(counting, 'c1/s1/insert.arrow', scalars);
    const whole = decodeBatch(bytes, schema.fields, 'insert');
    for (const f of scalars) for (let r = 0; r < n; r += 7) expect(valueAt(got.columns.get(f.name)!, r), `${f.name}[${r}] seed ${seed}`).toEqual(valueAt(whole.columns.get(f.name)!, r));
    console.log(`opfs lazy columns (seed ${seed}): read ${read} of ${bytes.byteLength} bytes for the scalar columns`);
    expect(read, `seed ${seed}`).toBeLessThan(bytes.byteLength * 0.1);
    const withV = await readInsertColumns(counting, 'c1/s1/insert.arrow', schema.fields);
    for (let r = 0; r < n; r += 97) expect(valueAt(withV.columns.get('v')!, r), `v[${r}] seed ${seed}`).toEqual(valueAt(whole.columns.get('v')!, r));
    // a byte flipped in the middle of the file (the vectors)
    const bad = bytes.slice();
    const at = bytes.byteLength >> 1;
    bad[at] = bad[at]! ^ 0x10;
    await store.put('c1/s2/insert.arrow', bad);
    const ok = await readInsertColumns(store, 'c1/s2/insert.arrow', scalars);
    expect(valueAt(ok.columns.get('tag')!, 5), `seed ${seed}`).toEqual(valueAt(whole.columns.get('tag')!, 5));
    await expect(readInsertColumns(store, 'c1/s2/insert.arrow', schema.fields)).rejects.toMatchObject({ error: 'FORMAT_CORRUPT' });
    await expect(readInsertColumns(store, 'c1/s9/insert.arrow', scalars)).rejects.toMatchObject({ error: 'IO_KEY_NOT_FOUND' });
    await store.close?.();
  });
});
