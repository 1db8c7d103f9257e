/**
 * rowsToBatch's fast paths give what the general path gives: vectors as Float32Array or
 * number[] (or any other typed array), Int64 keys as number, bigint or decimal string, small
 * integers and floats written straight into their columns, the empty dynamic field — and a bad
 * value is still rejected with the same code, row, field and message whichever form it came in.
 */
import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { Random, testSeed } from '../util/random.ts';
import { DataType } from './data-type.ts';
import { normalizeSchema } from './normalize.ts';
import { primaryKeysOf, rowsToBatch, type Row } from './row-batch.ts';

const schema = normalizeSchema({
  collection_name: 't',
  enable_dynamic_field: true,
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 4 },
    { name: 'i8', data_type: DataType.Int8, nullable: true },
    { name: 'i32', data_type: DataType.Int32 },
    { name: 'n64', data_type: DataType.Int64, nullable: true },
    { name: 'f', data_type: DataType.Float },
    { name: 'b', data_type: DataType.Bool, default_value: true },
    { name: 's', data_type: DataType.VarChar, max_length: 6 },
  ],
});

function errorOf(rows: readonly Row[]): { code: number; message: string } | undefined {
  try {
    rowsToBatch(schema, rows);
    return undefined;
  } catch (e) {
    if (!(e instanceof VesperError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe('rowsToBatch fast paths', () => {
  it('gives the same columns for Float32Array, number[] and Float64Array vectors, and for number, bigint and string keys', () => {
    const seed = testSeed(process.env.VESPER_SEED);
    const rng = new Random(seed);
    const base = Array.from({ length: 50 }, (_, i) => ({
      id: rng.bool(0.1) ? -(2 ** 53) + 1 + i : rng.range(-1e6, 1e6) * 4096 + i,
      v: Array.from({ length: 4 }, () => Math.fround((rng.next() - 0.5) * 1e6)),
      i8: rng.bool(0.2) ? null : rng.range(-128, 127),
      i32: rng.range(-2147483648, 2147483647),
      n64: rng.bool(0.3) ? undefined : rng.range(-1e9, 1e9),
      f: Math.fround(rng.next()),
      ...(rng.bool(0.5) ? { b: rng.bool(0.5) } : {}),
      s: `k${i}`,
      ...(i % 3 === 0 ? { extra: i } : {}),
    }));
    const asArrays = rowsToBatch(schema, base);
    const asF32 = rowsToBatch(schema, base.map((r) => ({ ...r, v: Float32Array.from(r.v), id: BigInt(r.id) })));
    const asF64 = rowsToBatch(schema, base.map((r) => ({ ...r, v: Float64Array.from(r.v), id: String(r.id), i32: BigInt(r.i32) })));
    expect(asF32, `seed ${seed}`).toEqual(asArrays);
    expect(asF64, `seed ${seed}`).toEqual(asArrays);
    expect(primaryKeysOf(asArrays, schema.fields[0]!)).toEqual(base.map((r) => BigInt(r.id)));
  });

  it('writes Int64 numbers exactly at the edges of the safe range and around 2^32', () => {
    const ids = [0, -0, 1, -1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 2 ** 53 - 1, -(2 ** 53) + 1, 1234567890123];
    const rows = ids.map((id) => ({ id, v: [0, 0, 0, 0], i32: 0, f: 0, s: '' }));
    expect(primaryKeysOf(rowsToBatch(schema, rows), schema.fields[0]!)).toEqual(ids.map((id) => BigInt(id)));
  });

  it('keeps an empty dynamic field as {} and a given one as given', () => {
    const batch = rowsToBatch(schema, [
      { id: 1, v: [0, 0, 0, 0], i32: 0, f: 0, s: '' },
      { id: 2, v: [0, 0, 0, 0], i32: 0, f: 0, s: '', $meta: { a: 1 }, b2: 'x' },
      { id: 3, v: [0, 0, 0, 0], i32: 0, f: 0, s: '', $meta: null },
    ]);
    expect(batch.columns.get('$meta')!.data).toEqual([{}, { a: 1, b2: 'x' }, {}]);
  });

  it('keeps both rows of a key repeated within one batch', () => {
    const batch = rowsToBatch(schema, [1, 2, 1].map((id) => ({ id, v: [id, 0, 0, 0], i32: 0, f: 0, s: '' })));
    expect(primaryKeysOf(batch, schema.fields[0]!)).toEqual([1n, 2n, 1n]);
    expect(Array.from(batch.columns.get('v')!.data as Float32Array)).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('rejects a bad value with the same error whatever form it came in', () => {
    const ok = { id: 1, v: [1, 2, 3, 4], i32: 0, f: 0, s: 'x' };
    const cases: [string, Partial<Record<string, unknown>>, RegExp][] = [
      ['NaN element', { v: [1, NaN, 3, 4] }, /vector element 1 is NaN/],
      ['Infinity element', { v: [1, 2, Infinity, 4] }, /vector element 2 is Infinity/],
      ['float32 overflow', { v: [1, 2, 3, 4e38] }, /vector element 3 overflows float32/],
      ['short vector', { v: [1, 2, 3] }, /dim \(3\) of the vector doesn't match the field's dim \(4\)/],
      // Number() of a null-prototype object throws a TypeError: it must be a coded refusal, not code 5 (fuzz seed 1302576085)
      ['object element', { v: [1, Object.create(null) as unknown, 3, 4] }, /vector element 1 is \{\}, not a number/],
      ['array element', { v: [1, 2, [3], 4] }, /vector element 2 is \[3\], not a number/],
      ['null element', { v: [null, 2, 3, 4] }, /vector element 0 is null, not a number/],
      ['Int64 not an integer', { id: 1.5 }, /expected an integer \(Int64\), got 1.5/],
      ['Int64 unsafe number', { id: 2 ** 60 }, /expected an integer \(Int64\)/],
      ['Int32 overflow', { i32: 2 ** 31 }, /value 2147483648 overflows Int32/],
      ['Int8 overflow', { i8: -129 }, /value -129 overflows Int8/],
      ['Float overflow', { f: 1e39 }, /value 1e\+39 overflows Float/],
      ['VarChar too long', { s: 'ééé÷' }, /length 8 exceeds max_length 6/],
    ];
    for (const [what, patch, message] of cases) {
      const rows = [ok, { ...ok, ...patch }];
      const err = errorOf(rows);
      expect(err, what).toEqual({ code: 1804, message: expect.stringMatching(message) });
      expect(err!.message, what).toMatch(/at row 1, field/);
      if ('v' in patch && Array.isArray(patch['v']) && patch['v'].length === 4 && (patch['v'] as unknown[]).every((x) => typeof x === 'number')) {
        // the same vector as a Float32Array: NaN/Infinity stay what they are, 4e38 becomes Infinity
        const asF32 = errorOf([ok, { ...ok, v: Float32Array.from(patch['v'] as number[]) }]);
        expect(asF32?.code, what).toBe(1804);
        expect(asF32!.message, what).toMatch(/at row 1, field v: vector element \d is (NaN|Infinity)/);
      }
    }
    // only numbers are vector elements: numeric text and booleans are refused (issue 18), on the fast path too
    expect(errorOf([ok, { ...ok, v: [1, '2', 3, 4] }])).toEqual({ code: 1804, message: expect.stringContaining('row 1, field v: vector element 1 is "2", not a number') });
    expect(errorOf([ok, { ...ok, v: [true, false, true, false] }])).toEqual({ code: 1804, message: expect.stringContaining('vector element 0 is true, not a number') });
  });
});
