/**
 * Constant values of the filter language: folding (`2 ** 10`, `-(3 * 4)`), comparison of two
 * constants, and binding of template parameters (`{name}`) from `filter_params`/`exprParams`.
 *
 * Invariants: integers stay bigint and within Int64 (overflow is an error, not a wrap);
 * floats are finite; integer division truncates toward zero and `%` takes the dividend's
 * sign (C/Go, as Milvus folds constants); a zero divisor is an error.
 */
import { fail } from './expr-error.ts';
import { EXPR_LIMITS } from './limits.ts';
import type { ArithOp } from './ast.ts';
import type { Value } from './plan.ts';

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

export function checkInt64(v: bigint, pos: number): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw fail(pos, `integer ${v} is out of the Int64 range`);
  return v;
}

export function checkFinite(v: number, pos: number): number {
  if (!Number.isFinite(v)) throw fail(pos, `constant arithmetic overflows to ${v}`);
  return v;
}

export function isNumeric(v: Value): v is bigint | number {
  return typeof v === 'bigint' || typeof v === 'number';
}

/** Folds `a op b` for numeric constants. @throws PositionedError on overflow or zero divisor. */
export function foldArith(op: ArithOp | '**', a: bigint | number, b: bigint | number, pos: number): bigint | number {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return checkInt64(a + b, pos);
      case '-':
        return checkInt64(a - b, pos);
      case '*':
        return checkInt64(a * b, pos);
      case '/':
        if (b === 0n) throw fail(pos, 'divide by zero');
        return checkInt64(a / b, pos);
      case '%':
        if (b === 0n) throw fail(pos, 'modulo by zero');
        return a % b;
      case '**':
        if (b < 0n) return checkFinite(Number(a) ** Number(b), pos);
        return intPow(a, b, pos);
    }
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case '+':
      return checkFinite(x + y, pos);
    case '-':
      return checkFinite(x - y, pos);
    case '*':
      return checkFinite(x * y, pos);
    case '/':
      if (y === 0) throw fail(pos, 'divide by zero');
      return checkFinite(x / y, pos);
    case '%':
      throw fail(pos, 'modulo can only be applied to integers');
    case '**':
      return checkFinite(x ** y, pos);
  }
}

function intPow(a: bigint, b: bigint, pos: number): bigint {
  // |a| <= 1 never overflows, so any exponent is fine; otherwise 63 multiplications suffice.
  if (a === 0n || a === 1n) return b === 0n ? 1n : a;
  if (a === -1n) return b % 2n === 0n ? 1n : -1n;
  if (b > 64n) throw fail(pos, `integer ${a} ** ${b} is out of the Int64 range`);
  let r = 1n;
  for (let i = 0n; i < b; i++) r = checkInt64(r * a, pos);
  return r;
}

/** Exact three-way comparison of two numbers of either representation. */
export function compareNumeric(a: bigint | number, b: bigint | number): number {
  // JS relational operators compare bigint with number by mathematical value (exact).
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact equality of two constants of the same family (numbers compare by value). */
export function valueEquals(a: Value, b: Value): boolean {
  if (isNumeric(a) && isNumeric(b)) return compareNumeric(a, b) === 0 && !(typeof a === 'number' && Number.isNaN(a));
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  return a === b;
}

export function describeValue(v: Value): string {
  if (typeof v === 'bigint') return 'Int64';
  if (typeof v === 'number') return 'Double';
  if (typeof v === 'boolean') return 'Bool';
  if (typeof v === 'string') return 'VarChar';
  return 'Array';
}

/**
 * Converts one template parameter (JSON-ish input) to a constant: booleans, strings,
 * integers (number or bigint), doubles and arrays of those.
 * @throws PositionedError for a missing name or an unsupported value.
 */
export function bindTemplate(name: string, params: Readonly<Record<string, unknown>> | undefined, pos: number): Value {
  if (params === undefined || !Object.prototype.hasOwnProperty.call(params, name)) {
    throw fail(pos, `the value of expression template variable name {${name}} is not found`);
  }
  return templateValue(params[name], name, pos, 0);
}

function templateValue(v: unknown, name: string, pos: number, depth: number): Value {
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return checkInt64(v, pos);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw fail(pos, `template variable {${name}} is not a finite number`);
    // integral doubles past 2^53 were doubles in the caller's JSON too; keep them floating
    return Number.isSafeInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v) && v.length > EXPR_LIMITS.maxListLength) {
    throw fail(pos, `template variable {${name}} has ${v.length} elements, more than ${EXPR_LIMITS.maxListLength} (the limit on a filter's list length)`);
  }
  if (Array.isArray(v) && depth < 8) return v.map((x) => templateValue(x, name, pos, depth + 1));
  throw fail(pos, `template variable {${name}} has an unsupported value type (want bool, string, integer, double or array)`);
}
