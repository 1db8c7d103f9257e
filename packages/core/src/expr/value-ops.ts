/**
 * Row-level value access and comparison for the generic (non-typed-array) evaluation paths:
 * JSON paths, array elements, array_length, mixed number/bigint comparison, arithmetic.
 *
 * Invariants: a missing JSON key, an out-of-range index, a JSON null or a value of another
 * type yields `undefined` / "incomparable", which every comparison treats as no match (it is
 * not an error). Integers are compared exactly (bigint against number by mathematical value).
 */
import { DataType } from '../schema/data-type.ts';
import type { Column, ColumnSet } from '../schema/columns.ts';
import { DYNAMIC_FIELD } from '../schema/types.ts';
import type { CmpOp } from './ast.ts';
import { compareNumeric } from './constants.ts';
import type { Arith, Source, Value } from './plan.ts';

/** Reads row i of a source; undefined when there is no comparable value. */
export type Getter = (i: number) => unknown;

export function columnOf(cols: ColumnSet, field: string): Column | undefined {
  return cols.column(field);
}

/** Walks a JSON path; undefined when a key or index is missing. */
export function jsonAt(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof k === 'number') {
      if (!Array.isArray(cur) || k >= cur.length) return undefined;
      cur = cur[k];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
  }
  return cur;
}

const NONE: Getter = () => undefined;

/** A getter for `s` over `cols`. Rows whose column is null may return anything (masked later). */
export function getterOf(cols: ColumnSet, s: Source): Getter {
  switch (s.kind) {
    case 'field': {
      const col = cols.column(s.field);
      if (col === undefined) return NONE;
      const data = col.data as ArrayLike<unknown>;
      if (col.type === DataType.Bool) {
        const d = col.data;
        return (i) => d[i] === 1;
      }
      return (i) => data[i];
    }
    case 'json': {
      const col = cols.column(s.field);
      if (col === undefined || col.type !== DataType.JSON) return NONE;
      const data = col.data;
      const path = s.path;
      if (path.length === 1 && typeof path[0] === 'string') {
        const k = path[0];
        return (i) => {
          const v = data[i];
          if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
          return v[k];
        };
      }
      return (i) => jsonAt(data[i], path);
    }
    case 'array':
    case 'elem': {
      const col = cols.column(s.field);
      if (col === undefined || col.type !== DataType.Array) return NONE;
      const data = col.data;
      if (s.kind === 'array') return (i) => data[i] ?? undefined;
      const idx = s.index;
      return (i) => {
        const a = data[i];
        return a === null || a === undefined || idx >= a.length ? undefined : a[idx];
      };
    }
    case 'length': {
      const inner = getterOf(cols, s.of);
      return (i) => {
        const v = inner(i);
        return Array.isArray(v) ? v.length : undefined;
      };
    }
  }
}

/** Three-way comparison of a row value with a constant; undefined when incomparable. */
export function compareAny(x: unknown, c: Value): number | undefined {
  const tx = typeof x;
  const tc = typeof c;
  if ((tx === 'number' || tx === 'bigint') && (tc === 'number' || tc === 'bigint')) {
    if (tx === 'number' && Number.isNaN(x)) return undefined;
    return compareNumeric(x as number | bigint, c as number | bigint);
  }
  if (tx === 'string' && tc === 'string') return (x as string) < (c as string) ? -1 : (x as string) > (c as string) ? 1 : 0;
  if (tx === 'boolean' && tc === 'boolean') return x === c ? 0 : x ? 1 : -1;
  return undefined;
}

/** Deep equality of a row value (JSON or array element) with a constant. */
export function equalsAny(x: unknown, c: Value): boolean {
  if (Array.isArray(c)) {
    if (!Array.isArray(x) || x.length !== c.length) return false;
    for (let k = 0; k < c.length; k++) if (!equalsAny(x[k], c[k] as Value)) return false;
    return true;
  }
  return compareAny(x, c) === 0;
}

export function testCmp(c: number | undefined, op: CmpOp): boolean {
  if (c === undefined) return false;
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

const SMALL = 1n << 21n;

/**
 * `x op operand` for a row value, or undefined when x is not a number. Integers (bigint
 * columns, or integer columns with an integer operand) are exact; float columns use doubles
 * (Float columns round to float32 as Milvus computes in float); JSON numbers use doubles.
 */
export function applyArith(x: unknown, a: Arith, kind: 'int' | 'float32' | 'float64' | 'json'): number | bigint | undefined {
  const o = a.operand;
  if (typeof x === 'bigint') return bigArith(x, a.op, o as bigint);
  if (typeof x !== 'number' || Number.isNaN(x)) return undefined;
  if (kind === 'int') {
    const ob = o as bigint;
    if (ob > SMALL || ob < -SMALL) {
      const r = bigArith(BigInt(x), a.op, ob);
      return r;
    }
    const on = Number(ob);
    switch (a.op) {
      case '+':
        return x + on;
      case '-':
        return x - on;
      case '*':
        return x * on;
      case '/':
        return Math.trunc(x / on);
      case '%':
        return x % on;
    }
  }
  if (kind === 'json' && a.op === '%') {
    if (!Number.isInteger(x) || typeof o !== 'bigint') return undefined;
    return x % Number(o);
  }
  const on = kind === 'float32' ? Math.fround(Number(o)) : Number(o);
  let r: number;
  switch (a.op) {
    case '+':
      r = x + on;
      break;
    case '-':
      r = x - on;
      break;
    case '*':
      r = x * on;
      break;
    case '/':
      r = x / on;
      break;
    case '%':
      r = x % on;
      break;
  }
  return kind === 'float32' ? Math.fround(r) : r;
}

function bigArith(x: bigint, op: Arith['op'], o: bigint): bigint {
  switch (op) {
    case '+':
      return x + o;
    case '-':
      return x - o;
    case '*':
      return x * o;
    case '/':
      return x / o;
    case '%':
      return x % o;
  }
}

/** True when the source's column is the dynamic field (its absence means "no keys"). */
export function isDynamic(s: Source): boolean {
  return s.kind === 'json' && s.field === DYNAMIC_FIELD;
}
