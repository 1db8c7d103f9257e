/**
 * Rows of insert log columns read by range (column-rows.ts, insert-log-reader.ts): for random
 * row sets of random files (every fixed-width type, nullable or not, and variable-width ones
 * read whole) the values equal a whole decode's; only the checksummed blocks holding the rows
 * are read; damage in such a block is FORMAT_CORRUPT naming the file and block, damage
 * elsewhere goes unnoticed by the read. The column directory is read once per (store, key).
 */
import { describe, expect, it } from 'vitest';
import { DataType } from '../schema/data-type.ts';
import type { FieldSchema } from '../schema/types.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { valueAt } from '../schema/column-ops.ts';
import { Random, testSeed } from '../util/random.ts';
import { randomField, testField } from './test-fields.ts';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { IoCountingStorage } from '../adapters/io-counting.ts';
import { TS_FIELD, decodeBatch, encodeBatch, encodeBatchParts } from './batch-file.ts';
import { joinWithTrailer } from './batch-trailer.ts';
import { readInsertColumns, readInsertRows } from './insert-log-reader.ts';
import { rowAddressable } from './column-rows.ts';

const seed = testSeed(process.env.VESPER_SEED);
console.log(`column-rows.test VESPER_SEED=${seed}`);

const field = testField;

const schemaOf = (fields: FieldSchema[]): never => ({ collection_name: 'c', description: '', fields, enable_dynamic_field: false, functions: [] }) as never;


function randomFile(rng: Random): { fields: FieldSchema[]; bytes: Uint8Array; n: number } {
  const pk = field('id', DataType.Int64, false, { is_primary_key: true });
  const gens = Array.from({ length: 2 + rng.int(5) }, (_, i) => randomField(rng, i));
  const fields = [pk, ...gens.map((g) => g.f)];
  const n = rng.pick([1, 9, 300, 2500]);
  const rows = Array.from({ length: n }, (_, r) => Object.fromEntries([['id', r], ...gens.map((g) => [g.f.name, g.value()])]));
  const batch = rowsToBatch(schemaOf(fields), rows as never);
  const ts = { type: DataType.Int64, length: n, data: BigInt64Array.from({ length: n }, (_, r) => BigInt(r) * 7n) } as never;
  const all = [TS_FIELD, ...fields];
  return { fields: all, bytes: encodeBatch('insert', all, new Map([...batch.columns, [TS_FIELD.name, ts]]), n), n };
}

function randomRows(rng: Random, n: number): number[] {
  return Array.from({ length: 1 + rng.int(Math.min(n, 40)) }, () => rng.int(n));
}

/** A float vector file: `n` rows of `dim` floats, and its fields. */
function vectorFile(n: number, dim: number, rng: Random): { fields: FieldSchema[]; bytes: Uint8Array; rows: Record<string, unknown>[] } {
  const fields = [field('id', DataType.Int64, false, { is_primary_key: true }), field('v', DataType.FloatVector, false, { dim }), field('n', DataType.Int32, true)];
  const rows = Array.from({ length: n }, (_, r) => ({ id: r, v: Array.from({ length: dim }, () => Math.fround(rng.gaussian())), n: rng.bool(0.2) ? null : r }));
  const batch = rowsToBatch(schemaOf(fields), rows as never);
  return { fields, bytes: encodeBatch('insert', fields, batch.columns, n), rows };
}

describe(`insert log rows read by range (seed ${seed})`, () => {
  it('random rows of random files equal a whole decode', async () => {
    const rng = new Random(seed);
    for (let round = 0; round < 8; round++) {
      const { fields, bytes, n } = randomFile(rng);
      const { objects } = createMemoryStorage();
      await objects.put('k', bytes);
      const whole = decodeBatch(bytes, fields, 'insert');
      for (let t = 0; t < 4; t++) {
        const want = fields.filter(() => rng.bool(0.6));
        const rows = randomRows(rng, n);
        const got = await readInsertRows(objects, 'k', want, rows);
        expect([...got.keys()], `seed ${seed}`).toEqual(want.map((f) => f.name));
        for (const f of want) {
          const col = got.get(f.name)!;
          expect(col.length, `${f.name} (seed ${seed})`).toBe(rows.length);
          rows.forEach((r, i) => expect(valueAt(col, i), `${f.name}[${r}] type ${f.data_type} (seed ${seed})`).toEqual(valueAt(whole.columns.get(f.name)!, r)));
        }
      }
    }
  });

  it('reads only the blocks holding the rows: rows × width rounded to blocks', async () => {
    const rng = new Random(seed ^ 2);
    const dim = 128; // 512 B a row, 8 rows a 4 KiB block
    const { fields, bytes, rows: values } = vectorFile(4000, dim, rng);
    const io = new IoCountingStorage(createMemoryStorage());
    await io.objects.put('k', bytes);
    const v = fields.find((f) => f.name === 'v')!;
    const { layout } = await readInsertColumns(io.objects, 'k', fields.slice(0, 1));
    const dir = layout.directory!;
    expect(dir.blockSize).toBe(4096);
    const vOff = dir.fields.find((f) => f.name === 'v')!.buffers.at(-1)![0];
    for (let t = 0; t < 5; t++) {
      const rows = Array.from({ length: 1 + rng.int(12) }, () => rng.int(4000));
      const blocks = new Set<number>();
      for (const r of rows) for (let b = Math.floor((vOff + r * dim * 4) / 4096); b <= Math.floor((vOff + (r + 1) * dim * 4 - 1) / 4096); b++) blocks.add(b);
      io.reset();
      const got = await readInsertRows(io.objects, 'k', [v], rows);
      rows.forEach((r, i) => expect(valueAt(got.get('v')!, i), `row ${r} (seed ${seed})`).toEqual(values[r]!['v']));
      // the directory is not read again; each run of adjacent blocks is one request
      const stats = io.snapshot();
      expect(stats['objects.head'], `seed ${seed}`).toBeUndefined();
      expect(stats['objects.getRange']!.bytesRead, `rows ${rows} (seed ${seed})`).toBe(blocks.size * 4096);
      expect(stats['objects.getRange']!.bytesRead, `seed ${seed}`).toBeLessThanOrEqual(rows.length * 2 * 4096);
      console.log(`${rows.length} rows of ${dim * 4} B: read ${stats['objects.getRange']!.bytesRead} B in ${stats['objects.getRange']!.calls} requests of a ${bytes.byteLength} B file`);
    }
  });

  it('a damaged block holding a returned row fails with FORMAT_CORRUPT naming file and block; damage elsewhere does not', async () => {
    const rng = new Random(seed ^ 3);
    const dim = 64;
    const { fields, bytes, rows: values } = vectorFile(3000, dim, rng);
    const { objects } = createMemoryStorage();
    await objects.put('good', bytes);
    const { layout } = await readInsertColumns(objects, 'good', fields.slice(0, 1));
    const dir = layout.directory!;
    const vOff = dir.fields.find((f) => f.name === 'v')!.buffers.at(-1)![0];
    const [v, n] = [fields[1]!, fields[2]!];
    const row = 1000 + rng.int(1000);
    const inRow = vOff + row * dim * 4 + rng.int(dim * 4);
    const bad = bytes.slice();
    bad[inRow] = bad[inRow]! ^ 0x10;
    await objects.put('c1/s7/insert.arrow', bad);
    const block = Math.floor(inRow / dir.blockSize);
    await expect(readInsertRows(objects, 'c1/s7/insert.arrow', [v], [3, row])).rejects.toMatchObject({
      error: 'FORMAT_CORRUPT',
      message: expect.stringMatching(new RegExp(`c1/s7/insert\\.arrow.*block ${block}\\b`)),
    });
    // rows in other blocks, and the same row's other columns, read fine
    const far = [0, 5, 2999].filter((r) => Math.floor((vOff + r * dim * 4) / dir.blockSize) !== block && Math.floor((vOff + (r + 1) * dim * 4 - 1) / dir.blockSize) !== block);
    const got = await readInsertRows(objects, 'c1/s7/insert.arrow', [v, n], [...far]);
    far.forEach((r, i) => expect(valueAt(got.get('v')!, i), `seed ${seed}`).toEqual(values[r]!['v']));
    const ns = await readInsertRows(objects, 'c1/s7/insert.arrow', [n], [row]);
    expect(valueAt(ns.get('n')!, 0), `seed ${seed}`).toEqual(values[row]!['n']);
  });

  it('the directory is read once per (store identity, key); a file without one costs one whole read after the first', async () => {
    const rng = new Random(seed ^ 4);
    const { fields, bytes } = vectorFile(500, 32, rng);
    const inner = createMemoryStorage();
    const io = new IoCountingStorage(inner);
    await inner.objects.put('new', bytes);
    const old = encodeBatchParts('insert', fields, decodeBatch(bytes, fields, 'insert').columns, 500, {}, ['crc32-trailer']);
    await inner.objects.put('old', joinWithTrailer(old.parts, old.byteLength));
    const calls = (): Record<string, number> => Object.fromEntries(Object.entries(io.snapshot()).map(([op, s]) => [op, s.calls]));
    for (const key of ['new', 'old']) {
      io.reset();
      await readInsertRows(io.objects, key, [fields[1]!], [1, 2]);
      expect(calls(), key).toEqual(key === 'new' ? { 'objects.head': 1, 'objects.getRange': 2 } : { 'objects.head': 1, 'objects.getRange': 1, 'objects.get': 1 });
      // again, and through another store over the same files (an edge QueryNode's per-request store)
      const io2 = new IoCountingStorage(inner);
      io.reset();
      for (const store of [io.objects, io2.objects]) {
        await readInsertRows(store, key, [fields[1]!], [3]);
        await readInsertColumns(store, key, [fields[2]!]);
      }
      const again = (c: IoCountingStorage): Record<string, number> => Object.fromEntries(Object.entries(c.snapshot()).map(([op, s]) => [op, s.calls]));
      for (const c of [io, io2]) expect(again(c), key).toEqual(key === 'new' ? { 'objects.getRange': 2 } : { 'objects.get': 2 });
    }
    // another store's files are its own
    const other = new IoCountingStorage(createMemoryStorage());
    await other.objects.put('new', bytes);
    other.reset();
    await readInsertRows(other.objects, 'new', [fields[1]!], [1]);
    expect(other.get('objects.head').calls).toBe(1);
  });

  it('a cached directory of a replaced file is dropped, and the read retried with the new file', async () => {
    const rng = new Random(seed ^ 5);
    const a = vectorFile(400, 16, rng);
    const b = vectorFile(900, 16, rng);
    const { objects } = createMemoryStorage();
    await objects.put('k', a.bytes);
    await readInsertRows(objects, 'k', [a.fields[1]!], [0]);
    // the same key, other bytes (a database dropped and created again under its name)
    await objects.delete(['k']);
    await objects.put('k', b.bytes);
    const got = await readInsertRows(objects, 'k', [b.fields[1]!, b.fields[2]!], [850, 3]);
    expect([valueAt(got.get('v')!, 0), valueAt(got.get('n')!, 1)], `seed ${seed}`).toEqual([b.rows[850]!['v'], b.rows[3]!['n']]);
  });

  it('variable-width fields are not row-addressable; fixed-width ones are', () => {
    expect(rowAddressable(field('s', DataType.VarChar, false, { max_length: 4 }))).toBe(false);
    expect(rowAddressable(field('j', DataType.JSON, false))).toBe(false);
    expect(rowAddressable(field('sp', DataType.SparseFloatVector, false))).toBe(false);
    for (const t of [DataType.Bool, DataType.Int8, DataType.Int64, DataType.Double]) expect(rowAddressable(field('x', t, true))).toBe(true);
    for (const t of [DataType.FloatVector, DataType.Float16Vector, DataType.BFloat16Vector, DataType.Int8Vector]) expect(rowAddressable(field('x', t, false, { dim: 8 }))).toBe(true);
    expect(rowAddressable(field('x', DataType.BinaryVector, false, { dim: 16 }))).toBe(true);
  });
});
