/**
 * Insert logs read by range through their column directory: every subset of the columns of a
 * random schema (every type, nullable or not) decodes to exactly what a whole read gives; a
 * damaged block fails only the reads that touch it; files without a directory still open.
 */
import { describe, expect, it } from 'vitest';
import { DataType } from '../schema/data-type.ts';
import type { FieldSchema } from '../schema/types.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { valueAt } from '../schema/column-ops.ts';
import { Random, testSeed } from '../util/random.ts';
import { randomField, testField } from './test-fields.ts';
import { MemoryObjectStore } from '../adapters/memory-object-store.ts';
import { TS_FIELD, decodeBatch, encodeBatch, encodeBatchParts, joinParts } from './batch-file.ts';
import { readInsertColumns } from './insert-log-reader.ts';
import { TRAILER_BYTES, joinWithTrailer } from './batch-trailer.ts';
import { decodeDirectory, SECTION_TAIL_BYTES } from './column-directory.ts';

const seed = testSeed(process.env.VESPER_SEED);
console.log(`column-directory.test VESPER_SEED=${seed}`);

const field = testField;


function randomFile(rng: Random): { fields: FieldSchema[]; bytes: Uint8Array } {
  const pk = field('id', DataType.Int64, false, { is_primary_key: true });
  const gens = Array.from({ length: 2 + rng.int(4) }, (_, i) => randomField(rng, i));
  const fields = [pk, ...gens.map((g) => g.f)];
  // enough rows that wide columns span several blocks
  const n = rng.pick([1, 7, 200, 900]);
  const rows = Array.from({ length: n }, (_, r) => Object.fromEntries([['id', r], ...gens.map((g) => [g.f.name, g.value()])]));
  const batch = rowsToBatch({ collection_name: 'c', description: '', fields, enable_dynamic_field: false, functions: [] } as never, rows as never);
  const ts = { type: DataType.Int64, length: n, data: BigInt64Array.from({ length: n }, (_, r) => BigInt(r) * 7n), valid: undefined } as never;
  const columns = new Map([...batch.columns, [TS_FIELD.name, ts]]);
  return { fields: [TS_FIELD, ...fields], bytes: encodeBatch('insert', [TS_FIELD, ...fields], columns, n) };
}

function expectSame(fields: readonly FieldSchema[], a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>, rows: number): void {
  for (const f of fields) {
    const x = a.get(f.name) as never;
    const y = b.get(f.name) as never;
    for (let r = 0; r < rows; r++) expect(valueAt(y, r), `${f.name}[${r}] (seed ${seed})`).toEqual(valueAt(x, r));
  }
}

describe('insert logs read by range (column directory)', () => {
  it('every subset of columns of random schemas decodes as a whole read does', async () => {
    const rng = new Random(seed);
    for (let round = 0; round < 4; round++) {
      const { fields, bytes } = randomFile(rng);
      const objects = new MemoryObjectStore();
      await objects.put('k', bytes);
      const whole = decodeBatch(bytes, fields, 'insert');
      for (let mask = 1; mask < 1 << fields.length; mask++) {
        const want = fields.filter((_, i) => mask & (1 << i));
        const got = await readInsertColumns(objects, 'k', want);
        expect(got.rowCount).toBe(whole.rowCount);
        expect([...got.columns.keys()]).toEqual(want.map((f) => f.name));
        expectSame(want, whole.columns, got.columns, whole.rowCount);
      }
    }
  });

  it('reads only the blocks of the wanted columns; a damaged block fails only reads that touch it', async () => {
    const rng = new Random(seed ^ 1);
    const pk = field('id', DataType.Int64, false, { is_primary_key: true });
    const vec = field('v', DataType.FloatVector, false, { dim: 64 });
    const tag = field('tag', DataType.VarChar, true, { max_length: 8 });
    const n = 2000;
    const rows = Array.from({ length: n }, (_, r) => ({ id: r, v: Array.from({ length: 64 }, () => rng.gaussian()), tag: rng.bool(0.2) ? null : `t${r % 9}` }));
    const schema = { collection_name: 'c', description: '', fields: [pk, vec, tag], enable_dynamic_field: false, functions: [] };
    const batch = rowsToBatch(schema as never, rows as never);
    const fields = [pk, vec, tag];
    const bytes = encodeBatch('insert', fields, batch.columns, n);
    const objects = new MemoryObjectStore();
    await objects.put('k', bytes);
    let read = 0;
    const counting = { ...objects, head: (k: string) => objects.head(k), get: (k: string) => objects.get(k), getRange: async (k: string, o: number, l: number) => {
      const b = await objects.getRange(k, o, l);
      read += b?.byteLength ?? 0;
      return b;
    } } as unknown as MemoryObjectStore;
    await readInsertColumns(counting, 'k', [pk, tag]);
    // the vectors are 512 KiB of the file: skipping them reads a small part of it
    expect(read).toBeLessThan(bytes.byteLength * 0.25);
    // damage one byte in the middle of the vector column
    const dir = decodeDirectory(bytes.subarray(bytes.byteLength - TRAILER_BYTES - new DataView(bytes.buffer, bytes.byteLength - TRAILER_BYTES - 8).getUint32(0, true), bytes.byteLength - TRAILER_BYTES), 'k');
    const [vOff, vLen] = dir.fields.find((f) => f.name === 'v')!.buffers.at(-1)!;
    const bad = bytes.slice();
    const at = vOff + Math.floor(vLen / 2);
    bad[at] = bad[at]! ^ 0x40;
    await objects.put('bad', bad);
    const ok = await readInsertColumns(objects, 'bad', [pk, tag]);
    expectSame([pk, tag], batch.columns, ok.columns, n);
    await expect(readInsertColumns(objects, 'bad', [pk, vec])).rejects.toMatchObject({ code: 2002, message: expect.stringMatching(new RegExp(`block ${Math.floor(at / dir.blockSize)}`)) });
    // the whole read checks the whole file
    expect(() => decodeBatch(bad, fields, 'insert')).toThrow(expect.objectContaining({ code: 2002 }));
    // a damaged directory, a truncated file, a missing file
    const badDir = bytes.slice();
    const d = badDir.byteLength - TRAILER_BYTES - SECTION_TAIL_BYTES - 6;
    badDir[d] = badDir[d]! ^ 1;
    await objects.put('baddir', badDir);
    await expect(readInsertColumns(objects, 'baddir', [pk])).rejects.toMatchObject({ code: 2002 });
    await objects.put('short', bytes.subarray(0, bytes.byteLength - 100));
    await expect(readInsertColumns(objects, 'short', [pk])).rejects.toMatchObject({ code: 2002 });
    await expect(readInsertColumns(objects, 'gone', [pk])).rejects.toMatchObject({ code: 1001 });
  });

  it('files without a directory (older writers) are read whole', async () => {
    const pk = field('id', DataType.Int64, false, { is_primary_key: true });
    const s = field('s', DataType.VarChar, true, { max_length: 8 });
    const batch = rowsToBatch({ collection_name: 'c', description: '', fields: [pk, s], enable_dynamic_field: false, functions: [] } as never, [{ id: 1, s: 'a' }, { id: 2, s: null }] as never);
    const objects = new MemoryObjectStore();
    const plain = encodeBatchParts('insert', [pk, s], batch.columns, 2, {}, []);
    const arrowOnly = joinParts(plain.parts, plain.byteLength, 0);
    const trailerOnly = encodeBatchParts('insert', [pk, s], batch.columns, 2, {}, ['crc32-trailer']);
    await objects.put('arrow', arrowOnly);
    await objects.put('trailer', joinWithTrailer(trailerOnly.parts, trailerOnly.byteLength));
    for (const key of ['arrow', 'trailer']) {
      const got = await readInsertColumns(objects, key, [s]);
      expectSame([s], batch.columns, got.columns, 2);
    }
  });

  it('a reader that predates the directory refuses the file (unknown trailer flag), not as corruption', async () => {
    // the trailer's length and CRC cover the directory, so only the flag check stops an old reader
    const pk = field('id', DataType.Int64, false, { is_primary_key: true });
    const batch = rowsToBatch({ collection_name: 'c', description: '', fields: [pk], enable_dynamic_field: false, functions: [] } as never, [{ id: 1 }] as never);
    const bytes = encodeBatch('insert', [pk], batch.columns, 1);
    const flags = new DataView(bytes.buffer, bytes.byteLength - TRAILER_BYTES + 12, 4).getUint32(0, true);
    expect(flags).toBe(1);
  });
});
