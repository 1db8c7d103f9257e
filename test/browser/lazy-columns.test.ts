/**
 * Lazy columns in Chromium on OPFS (issue 17): an insert log read by range through its column
 * directory fetches only the blocks of the wanted columns — the vectors are not read when only
 * the scalars are asked for — and decodes to exactly what a whole read gives; a byte damaged in
 * the vectors fails only the reads that touch them (FORMAT_CORRUPT). The output rows of a search
 * read only the blocks holding those rows, with the directory read once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, Random } from '@vesper/core';
import { OpfsObjectStore } from '../../packages/browser/src/opfs-object-store.ts';
import { normalizeSchema } from '../../packages/core/src/schema/normalize.ts';
import { rowsToBatch } from '../../packages/core/src/schema/row-batch.ts';
import { valueAt } from '../../packages/core/src/schema/column-ops.ts';
import { decodeBatch, encodeBatch } from '../../packages/core/src/storage/batch-file.ts';
import { readInsertColumns, readInsertRows } from '../../packages/core/src/storage/insert-log-reader.ts';
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

  it('reads only the blocks of the returned rows of a vector column, the directory once; damage elsewhere goes unread', async () => {
    const dir = `vesper-test/${freshName('lazy-rows')}`;
    dirs.push(dir);
    const store = await OpfsObjectStore.open(dir);
    const rng = new Random(seed ^ 7);
    const dim = 128; // 512 B a row: 8 rows a 4 KiB block
    const schema = normalizeSchema({
      collection_name: 'rows',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'v', data_type: DataType.FloatVector, dim },
        { name: 'n', data_type: DataType.Int32, nullable: true },
      ],
    });
    const n = 3000;
    const rows = Array.from({ length: n }, (_, i) => ({ id: i, v: Array.from({ length: dim }, () => Math.fround(rng.gaussian())), n: rng.bool(0.2) ? null : rng.int(1000) }));
    const bytes = encodeBatch('insert', schema.fields, rowsToBatch(schema, rows).columns, n);
    const key = 'c1/s3/insert.arrow';
    await store.put(key, bytes);
    const counts = { head: 0, getRange: 0, get: 0, bytes: 0 };
    const counting: ObjectStore = {
      identity: store.identity,
      put: (k, b, o) => store.put(k, b, o),
      get: (k) => (counts.get++, store.get(k)),
      head: (k) => (counts.head++, store.head(k)),
      list: (p) => store.list(p),
      delete: (k) => store.delete(k),
      getRange: async (k, o, l) => {
        counts.getRange++;
        const got = await store.getRange(k, o, l);
        counts.bytes += got?.byteLength ?? 0;
        return got;
      },
    };
    const [v, nf] = [schema.fields[1]!, schema.fields[2]!];
    for (let t = 0; t < 3; t++) {
      const want = Array.from({ length: 1 + rng.int(10) }, () => rng.int(n));
      Object.assign(counts, { head: 0, getRange: 0, get: 0, bytes: 0 });
      const got = await readInsertRows(counting, key, [v, nf], want);
      want.forEach((r, i) => expect([valueAt(got.get('v')!, i), valueAt(got.get('n')!, i)], `row ${r} seed ${seed}`).toEqual([rows[r]!.v, rows[r]!.n]));
      console.log(`opfs returned rows (seed ${seed}): ${want.length} rows read ${counts.bytes} of ${bytes.byteLength} bytes in ${counts.getRange} range reads, ${counts.head} heads`);
      // the directory is read on the first call only; then each row costs at most two blocks of v and one of n and its bitmap
      expect([counts.head, counts.get], `seed ${seed}`).toEqual([t === 0 ? 1 : 0, 0]);
      expect(counts.bytes - (t === 0 ? Math.min(16384, bytes.byteLength) : 0), `seed ${seed}`).toBeLessThanOrEqual(want.length * 4 * 4096);
    }
    // a byte flipped in a returned row's block fails the read, naming file and block; one elsewhere is not read
    const bad = bytes.slice();
    const row = 1500;
    const { layout } = await readInsertColumns(store, key, [schema.fields[0]!]);
    const vOff = layout.directory!.fields.find((f) => f.name === 'v')!.buffers.at(-1)![0];
    const at = vOff + row * dim * 4 + 100;
    bad[at] = bad[at]! ^ 0x10;
    await store.put('c1/s4/insert.arrow', bad);
    await expect(readInsertRows(store, 'c1/s4/insert.arrow', [v], [row])).rejects.toMatchObject({ error: 'FORMAT_CORRUPT', message: expect.stringContaining(`c1/s4/insert.arrow: block ${Math.floor(at / 4096)}`) });
    const far = await readInsertRows(store, 'c1/s4/insert.arrow', [v], [3, 2990]);
    expect([valueAt(far.get('v')!, 0), valueAt(far.get('v')!, 1)], `seed ${seed}`).toEqual([rows[3]!.v, rows[2990]!.v]);
    await store.close?.();
  });
});
