/**
 * Seeded random rows for filter tests: a schema with every filterable type (nullable fields,
 * JSON with nested objects/arrays/missing keys, Array fields, a dynamic field, Int64 values
 * beyond 2^53), the rows as plain objects (what the reference evaluator reads) and the same
 * rows as a ColumnSet (what the compiler reads), optionally with scalar indexes.
 */
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { Column, ColumnSet, JsonValue } from '../../packages/core/src/schema/columns.ts';
import type { CollectionSchema, FieldSchema } from '../../packages/core/src/schema/types.ts';
import type { Random } from '../../packages/core/src/util/random.ts';
import { buildScalarIndex, openScalarIndex, type ScalarIndex, type ScalarIndexType } from '../../packages/core/src/expr/index.ts';

export type Row = Record<string, unknown>;

function field(fieldID: number, name: string, data_type: DataType, extra: Partial<FieldSchema> = {}): FieldSchema {
  return {
    fieldID, name, description: '', data_type, is_primary_key: false, autoID: false, is_partition_key: false,
    is_clustering_key: false, is_dynamic: false, nullable: false, ...extra,
  };
}

export function testSchema(dynamic = true): CollectionSchema {
  return {
    name: 'expr_test',
    description: '',
    enable_dynamic_field: dynamic,
    fields: [
      field(100, 'id', DataType.Int64, { is_primary_key: true }),
      field(101, 'i8', DataType.Int8),
      field(102, 'i16', DataType.Int16, { nullable: true }),
      field(103, 'i32', DataType.Int32),
      field(104, 'i64', DataType.Int64, { nullable: true }),
      field(105, 'f', DataType.Float),
      field(106, 'd', DataType.Double, { nullable: true }),
      field(107, 's', DataType.VarChar, { nullable: true, max_length: 64 }),
      field(108, 'b', DataType.Bool, { nullable: true }),
      field(109, 'j', DataType.JSON, { nullable: true }),
      field(110, 'ai', DataType.Array, { element_type: DataType.Int64, max_capacity: 8, nullable: true }),
      field(111, 'as', DataType.Array, { element_type: DataType.VarChar, max_capacity: 8, max_length: 16 }),
      field(112, 'ad', DataType.Array, { element_type: DataType.Double, max_capacity: 8 }),
      field(113, 'vec', DataType.FloatVector, { dim: 4 }),
    ],
  };
}

export const WORDS = ['a', 'ab', 'abc', 'b', 'ba', 'x%y', 'x_y', 'a\\b', '', 'Ünï', '日本', 'emoji😀', 'tech', 'science', 'A', 'zz'];
const BIG = [2n ** 53n + 1n, -(2n ** 53n) - 3n, 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n];

export function randInt64(r: Random): bigint {
  return r.bool(0.8) ? BigInt(r.range(-6, 6)) : r.pick(BIG) + BigInt(r.range(-1, 1)) * (r.bool() ? 1n : 0n);
}

function clampI64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

function jsonScalar(r: Random): JsonValue {
  switch (r.int(5)) {
    case 0:
      return r.range(-5, 5);
    case 1:
      return r.range(-10, 10) / 4;
    case 2:
      return r.pick(WORDS);
    case 3:
      return r.bool();
    default:
      return null;
  }
}

export function randJson(r: Random, depth = 0): JsonValue {
  const roll = r.int(10);
  if (roll === 0) return jsonScalar(r);
  if (roll === 1) return [jsonScalar(r), jsonScalar(r)];
  const o: { [k: string]: JsonValue } = {};
  if (r.bool(0.8)) o.a = r.bool(0.85) ? r.range(-5, 5) : jsonScalar(r);
  if (r.bool(0.8)) o.b = r.bool(0.85) ? r.pick(WORDS) : jsonScalar(r);
  if (r.bool(0.6) && depth < 2) o.c = randJson(r, depth + 1);
  if (r.bool(0.7)) o.arr = Array.from({ length: r.int(4) }, () => (r.bool(0.6) ? r.range(0, 4) : r.bool(0.5) ? r.pick(WORDS.slice(0, 5)) : jsonScalar(r)));
  if (r.bool(0.4)) o.flag = r.bool();
  if (r.bool(0.1)) o.n = null;
  return o;
}

export function randomRows(r: Random, n: number): Row[] {
  const rows: Row[] = [];
  const nul = (p = 0.15): boolean => r.bool(p);
  for (let i = 0; i < n; i++) {
    const meta: Record<string, JsonValue> = {};
    if (r.bool(0.8)) meta.age = r.bool(0.9) ? r.range(0, 60) : r.pick(WORDS);
    if (r.bool(0.7)) meta.city = r.pick(['a', 'b', 'tech', 'Paris', '']);
    if (r.bool(0.5)) meta.tags = Array.from({ length: r.int(3) }, () => r.pick(['ai', 'db', 'web', 1, 2]));
    if (r.bool(0.3)) meta.nested = { k: r.range(0, 3), deep: { z: r.pick(WORDS) } };
    rows.push({
      id: BigInt(i) * 3n - 100n,
      i8: r.range(-128, 127) % 8,
      i16: nul() ? null : r.range(-10, 10),
      i32: r.bool(0.9) ? r.range(-20, 20) : r.pick([2147483647, -2147483648, 100000]),
      i64: nul() ? null : clampI64(randInt64(r)),
      f: Math.fround(r.bool(0.5) ? r.range(-8, 8) / 4 : r.pick([0.1, 0.5, 1.5, -2.25, 3.3])),
      d: nul() ? null : r.bool(0.5) ? r.range(-8, 8) / 4 : r.pick([0.1, 1e20, -0, 2 ** 53, 2 ** 53 + 2, 9007199254740992]),
      s: nul() ? null : r.pick(WORDS),
      b: nul() ? null : r.bool(),
      j: nul(0.1) ? null : randJson(r),
      ai: nul() ? null : Array.from({ length: r.int(5) }, () => (r.bool(0.9) ? BigInt(r.range(0, 6)) : clampI64(randInt64(r)))),
      as: Array.from({ length: r.int(4) }, () => r.pick(WORDS.slice(0, 8))),
      ad: Array.from({ length: r.int(4) }, () => r.range(-4, 4) / 2),
      vec: [r.next(), r.next(), r.next(), r.next()],
      $meta: meta,
    });
  }
  return rows;
}

function validOf(rows: Row[], name: string, nullable: boolean): Uint8Array | undefined {
  if (!nullable) return undefined;
  return Uint8Array.from(rows, (row) => (row[name] === null ? 0 : 1));
}

/** The rows as typed columns, the shape segments hand to the compiler. */
export function toColumns(schema: CollectionSchema, rows: Row[]): Map<string, Column> {
  const cols = new Map<string, Column>();
  const n = rows.length;
  for (const f of schema.fields) {
    const vals = rows.map((row) => row[f.name]);
    const valid = validOf(rows, f.name, f.nullable);
    const base = valid === undefined ? { length: n } : { length: n, valid };
    switch (f.data_type) {
      case DataType.Bool:
        cols.set(f.name, { ...base, type: DataType.Bool, data: Uint8Array.from(vals, (v) => (v === true ? 1 : 0)) });
        break;
      case DataType.Int8:
        cols.set(f.name, { ...base, type: DataType.Int8, data: Int8Array.from(vals, (v) => (v as number | null) ?? 0) });
        break;
      case DataType.Int16:
        cols.set(f.name, { ...base, type: DataType.Int16, data: Int16Array.from(vals, (v) => (v as number | null) ?? 0) });
        break;
      case DataType.Int32:
        cols.set(f.name, { ...base, type: DataType.Int32, data: Int32Array.from(vals, (v) => (v as number | null) ?? 0) });
        break;
      case DataType.Int64: {
        const data = new BigInt64Array(n);
        vals.forEach((v, i) => (data[i] = (v as bigint | null) ?? 0n));
        cols.set(f.name, { ...base, type: DataType.Int64, data });
        break;
      }
      case DataType.Float:
        cols.set(f.name, { ...base, type: DataType.Float, data: Float32Array.from(vals, (v) => (v as number | null) ?? 0) });
        break;
      case DataType.Double:
        cols.set(f.name, { ...base, type: DataType.Double, data: Float64Array.from(vals, (v) => (v as number | null) ?? 0) });
        break;
      case DataType.VarChar:
        cols.set(f.name, { ...base, type: DataType.VarChar, data: vals.map((v) => (v as string | null) ?? '') });
        break;
      case DataType.JSON:
        cols.set(f.name, { ...base, type: DataType.JSON, data: vals as JsonValue[] });
        break;
      case DataType.Array:
        cols.set(f.name, { ...base, type: DataType.Array, elementType: f.element_type!, data: vals as (unknown[] | null)[] });
        break;
      case DataType.FloatVector:
        cols.set(f.name, { length: n, type: DataType.FloatVector, dim: 4, data: Float32Array.from(vals.flat() as number[]) });
        break;
      default:
        break;
    }
  }
  if (schema.enable_dynamic_field) cols.set('$meta', { length: n, type: DataType.JSON, data: rows.map((r) => r.$meta as JsonValue) });
  return cols;
}

/** Indexes the property test builds (each type on every field kind it supports). */
export const TEST_INDEXES: Readonly<Record<string, ScalarIndexType>> = {
  id: 'STL_SORT', i8: 'BITMAP', i16: 'STL_SORT', i32: 'INVERTED', i64: 'STL_SORT', f: 'STL_SORT',
  d: 'INVERTED', s: 'TRIE', b: 'BITMAP', ai: 'INVERTED', as: 'BITMAP',
};

/** A ColumnSet over `cols`; with `indexes`, serving those scalar indexes (round-tripped through bytes). */
export function columnSet(cols: Map<string, Column>, n: number, indexes?: Readonly<Record<string, ScalarIndexType>>): ColumnSet {
  const built = new Map<string, ScalarIndex>();
  if (indexes !== undefined) {
    for (const [name, type] of Object.entries(indexes)) {
      const c = cols.get(name);
      if (c !== undefined) built.set(name, openScalarIndex(buildScalarIndex(type, c).serialize()));
    }
  }
  const base: ColumnSet = { rowCount: n, column: (name) => cols.get(name) };
  return indexes === undefined ? base : { ...base, scalarIndex: (name) => built.get(name) };
}
