/**
 * Scalar indexes: which type fits which field (validateScalarIndex), lookups against brute
 * force on seeded columns, byte round trips, rejection of corrupt bytes, and proof that the
 * filter compiler actually asks the index (results equal with and without it).
 */
import { describe, expect, test } from 'vitest';
import { VesperError } from '../../packages/core/src/errors/index.ts';
import { buildScalarIndex, compileFilter, openScalarIndex, validateScalarIndex, type ScalarIndex, type ScalarIndexType } from '../../packages/core/src/expr/index.ts';
import type { ColumnSet } from '../../packages/core/src/schema/columns.ts';
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { FieldSchema } from '../../packages/core/src/schema/types.ts';
import { Random, testSeed } from '../../packages/core/src/util/random.ts';
import { dataset } from './harness.ts';

const seed = testSeed(process.env.VESPER_SEED);
const ds = dataset(seed, 500);

function fieldOf(data_type: DataType, extra: Partial<FieldSchema> = {}): FieldSchema {
  return { fieldID: 1, name: 'x', description: '', data_type, is_primary_key: false, autoID: false, is_partition_key: false, is_clustering_key: false, is_dynamic: false, nullable: false, ...extra };
}

describe('validateScalarIndex', () => {
  const ok: [ScalarIndexType, DataType, DataType?][] = [
    ['INVERTED', DataType.Bool], ['INVERTED', DataType.Int8], ['INVERTED', DataType.Int64], ['INVERTED', DataType.Float], ['INVERTED', DataType.Double], ['INVERTED', DataType.VarChar], ['INVERTED', DataType.Array, DataType.Int32], ['INVERTED', DataType.Array, DataType.VarChar],
    ['STL_SORT', DataType.Int16], ['STL_SORT', DataType.Int64], ['STL_SORT', DataType.Double],
    ['TRIE', DataType.VarChar],
    ['BITMAP', DataType.Bool], ['BITMAP', DataType.Int32], ['BITMAP', DataType.VarChar], ['BITMAP', DataType.Array, DataType.Int64],
  ];
  const bad: [string, DataType, DataType?][] = [
    ['STL_SORT', DataType.VarChar], ['STL_SORT', DataType.Bool], ['STL_SORT', DataType.Array, DataType.Int64], ['TRIE', DataType.Int64], ['TRIE', DataType.Array, DataType.VarChar],
    ['BITMAP', DataType.Float], ['BITMAP', DataType.Double], ['BITMAP', DataType.JSON], ['INVERTED', DataType.JSON], ['INVERTED', DataType.FloatVector], ['HNSW', DataType.Int64], ['inverted', DataType.Int64],
    ['INVERTED', DataType.Array, DataType.JSON],
  ];
  for (const [t, d, e] of ok) test(`${t} fits ${DataType[d]}${e ? `<${DataType[e]}>` : ''}`, () => validateScalarIndex(t, fieldOf(d, e ? { element_type: e } : {})));
  for (const [t, d, e] of bad) {
    test(`${t} rejects ${DataType[d]}${e ? `<${DataType[e]}>` : ''}`, () => {
      expect(() => validateScalarIndex(t, fieldOf(d, e ? { element_type: e } : {}))).toThrow(expect.objectContaining({ code: 1100 }));
    });
  }
  test('BITMAP rejects the primary key', () => {
    expect(() => validateScalarIndex('BITMAP', fieldOf(DataType.Int64, { is_primary_key: true }))).toThrow(/primary key/);
  });
});

const CASES: [string, ScalarIndexType][] = [
  ['i8', 'BITMAP'], ['i8', 'INVERTED'], ['i16', 'STL_SORT'], ['i32', 'INVERTED'], ['i32', 'STL_SORT'], ['i64', 'STL_SORT'], ['i64', 'INVERTED'],
  ['f', 'STL_SORT'], ['d', 'INVERTED'], ['s', 'TRIE'], ['s', 'INVERTED'], ['s', 'BITMAP'], ['b', 'BITMAP'], ['b', 'INVERTED'],
  ['ai', 'INVERTED'], ['ai', 'BITMAP'], ['as', 'INVERTED'], ['as', 'BITMAP'], ['id', 'STL_SORT'],
];

function valuesOf(name: string): unknown[] {
  return ds.rows.map((r) => {
    const v = r[name];
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  });
}

describe(`lookups equal brute force and survive a byte round trip (seed ${seed})`, () => {
  for (const [name, type] of CASES) {
    test(`${type} on ${name}`, () => {
      const built = buildScalarIndex(type, ds.cols.get(name)!);
      const bytes = built.serialize();
      const opened = openScalarIndex(bytes);
      expect(opened.serialize()).toEqual(bytes);
      expect(opened.type).toBe(type);
      expect(opened.cardinality).toBe(built.cardinality);
      const vals = valuesOf(name);
      const keys = [...new Set(vals.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== null))] as (number | bigint | string)[];
      const r = new Random(seed);
      for (let k = 0; k < 40; k++) {
        const probe = [r.pick(keys), r.pick(keys)];
        const want = vals.flatMap((v, i) => (v !== null && probe.some((p) => (Array.isArray(v) ? v.includes(p) : v === p)) ? [i] : []));
        for (const idx of [built, opened]) expect(idx.lookupIn(probe)!.toIndices(), `seed=${seed} ${name} in ${String(probe)}`).toEqual(want);
        if (!Array.isArray(vals.find((v) => v !== null))) {
          const [a, b] = probe.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
          const li = r.bool();
          const hi = r.bool();
          const got = opened.lookupRange(a, li, b, hi);
          if (got !== undefined) {
            const wantR = vals.flatMap((v, i) => (v !== null && (li ? v! >= a! : v! > a!) && (hi ? v! <= b! : v! < b!) ? [i] : []));
            expect(got.toIndices(), `seed=${seed} ${name} range`).toEqual(wantR);
          }
        }
      }
      if (name === 's' && type !== 'BITMAP') {
        for (const p of ['a', 'ab', '', 'x', 'emoji']) {
          const want = vals.flatMap((v, i) => (typeof v === 'string' && v.startsWith(p) ? [i] : []));
          expect(opened.lookupPrefix(p)!.toIndices()).toEqual(want);
        }
      }
    });
  }
});

describe('corrupt bytes', () => {
  const bytes = buildScalarIndex('INVERTED', ds.cols.get('s')!).serialize();
  test('bad magic, version, flags and truncation are coded', () => {
    const m = bytes.slice();
    m[0] = 0;
    expect(() => openScalarIndex(m)).toThrow(expect.objectContaining({ error: 'FORMAT_UNSUPPORTED' }));
    const v = bytes.slice();
    v[4] = 9;
    expect(() => openScalarIndex(v)).toThrow(/version 9/);
    const f = bytes.slice();
    f[6] = 1;
    expect(() => openScalarIndex(f)).toThrow(/feature flags/);
    expect(() => openScalarIndex(bytes.slice(0, bytes.length - 1))).toThrow(expect.objectContaining({ error: 'FORMAT_CORRUPT' }));
    expect(() => openScalarIndex(new Uint8Array(3))).toThrow(expect.objectContaining({ error: 'FORMAT_CORRUPT' }));
  });
  test(`random byte flips give a coded error or a valid index (seed ${seed})`, () => {
    const r = new Random(seed);
    for (let k = 0; k < 2000; k++) {
      const b = bytes.slice();
      for (let e = 0; e < r.range(1, 3); e++) b[r.int(b.length)] = r.int(256);
      try {
        openScalarIndex(b).lookupIn(['a']);
      } catch (e) {
        expect(e instanceof VesperError && (e.code === 2001 || e.code === 2002), `seed=${seed} flip ${k}: ${String(e)}`).toBe(true);
      }
    }
  });
});

describe('the compiler uses indexes when offered', () => {
  test('index lookups are made and results are identical', () => {
    let calls = 0;
    const counting = (idx: ScalarIndex): ScalarIndex => ({
      type: idx.type, dataType: idx.dataType, elementType: idx.elementType, rowCount: idx.rowCount, cardinality: idx.cardinality,
      lookupIn: (k) => (calls++, idx.lookupIn(k)),
      lookupRange: (a, b, c, d) => (calls++, idx.lookupRange(a, b, c, d)),
      lookupPrefix: (p) => (calls++, idx.lookupPrefix(p)),
      serialize: () => idx.serialize(),
    });
    const idx = new Map<string, ScalarIndex>([
      ['i32', counting(buildScalarIndex('STL_SORT', ds.cols.get('i32')!))],
      ['s', counting(buildScalarIndex('TRIE', ds.cols.get('s')!))],
      ['ai', counting(buildScalarIndex('INVERTED', ds.cols.get('ai')!))],
    ]);
    const cs: ColumnSet = { rowCount: ds.rows.length, column: (n) => ds.cols.get(n), scalarIndex: (n) => idx.get(n) };
    for (const e of ['i32 > 3', '1 <= i32 < 5', 'i32 in [1, 2]', 'i32 == 4', 'i32 != 4', 's like "ab%"', 's == "a"', 's in ["a", "b"]', 'array_contains_any(ai, [1, 2])', 'array_contains_all(ai, [1, 2])']) {
      const before = calls;
      const f = compileFilter(e, ds.schema);
      expect(f.evaluate(cs).toIndices(), e).toEqual(f.evaluate(ds.plain).toIndices());
      expect(calls, `${e} used the index`).toBeGreaterThan(before);
    }
  });
});
