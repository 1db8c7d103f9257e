/**
 * Milvus's boolean filter language (spec/filter-grammar.md): `compileFilter` parses, checks
 * against a CollectionSchema and compiles a filter into a function from a segment's columns
 * to a Bitset of matching rows; scalar indexes (INVERTED, STL_SORT, TRIE, BITMAP) speed up
 * its leaves. Used by query, search, delete and count.
 *
 * Invariants: every failure is VesperError PARAMETER_INVALID (1100) with Milvus's message shape
 * `cannot parse expression: <expr>, error: line 1:<col> <what>`; evaluation is pure (the same
 * CompiledFilter may run on many segments concurrently).
 */
import { VesperError } from '../errors/index.ts';
import type { ColumnSet } from '../schema/columns.ts';
import { DataType } from '../schema/data-type.ts';
import type { CollectionSchema } from '../schema/types.ts';
import { Bitset } from '../util/bitset.ts';
import { checkFilter } from './checker.ts';
import { exprError, PositionedError } from './expr-error.ts';
import { buildEvaluator } from './evaluator.ts';
import type { EvalContext } from './eval-context.ts';
import { parseFilter } from './parser.ts';
import { EXPR_LIMITS } from './limits.ts';

export { EXPR_LIMITS } from './limits.ts';
import type { Pred, Source } from './plan.ts';
import { sourceField } from './plan.ts';

export { buildScalarIndex, openScalarIndex } from './scalar-index/build-scalar-index.ts';
export { validateScalarIndex, SCALAR_INDEX_TYPES, type IndexKey, type ScalarIndex, type ScalarIndexType } from './scalar-index/scalar-index.ts';

export interface CompiledFilter {
  readonly expr: string;
  /** Field names the filter reads (for loading columns); the dynamic field is `$meta`. */
  readonly fields: readonly string[];
  /**
   * Rows of `cols` that match; when `candidates` is given, only those rows are evaluated and
   * the result is a subset of them. Null operands never match (three-valued logic).
   * @throws VesperError PARAMETER_INVALID (1100) if `candidates` has the wrong size.
   */
  evaluate(cols: ColumnSet, candidates?: Bitset): Bitset;
  /** If the filter is exactly `pk in [...]` / `pk == v` (possibly or-ed), the primary-key values; else undefined. */
  readonly primaryKeys?: readonly (bigint | string)[];
}

/**
 * Compiles a filter expression against a collection schema.
 * @param params template values for `{name}` placeholders (bool, string, integer as number or
 *   bigint, double, arrays of those).
 * @throws VesperError PARAMETER_INVALID (1100) for any syntax, name, type or template error,
 *   with the message `cannot parse expression: <expr>, error: line <l>:<col> <what>`.
 */
export function compileFilter(expr: string, schema: CollectionSchema, params?: Readonly<Record<string, unknown>>): CompiledFilter {
  return evaluatorOf(checkedFilter(expr, schema, params));
}

/**
 * A filter parsed and checked against a schema: plain data (structured-clonable), so a read
 * plan carries it to every holder of segments and nobody parses the text again.
 */
export interface CheckedFilter {
  readonly expr: string;
  readonly pred: Pred;
  /** Field names the filter reads (for loading columns); the dynamic field is `$meta`. */
  readonly fields: readonly string[];
  /** If the filter is exactly `pk in [...]` / `pk == v` (possibly or-ed), the primary-key values. */
  readonly primaryKeys?: readonly (bigint | string)[];
}

let parses = 0;

/** How many filter texts this isolate has lexed, parsed and checked (tests prove a read parses once). */
export function filterParseCount(): number {
  return parses;
}

/**
 * Lexes, parses and checks a filter expression against a collection schema.
 * @throws VesperError PARAMETER_INVALID (1100), as compileFilter.
 */
export function checkedFilter(expr: string, schema: CollectionSchema, params?: Readonly<Record<string, unknown>>): CheckedFilter {
  if (typeof expr !== 'string') throw new VesperError('PARAMETER_INVALID', `filter expression must be a string, got ${typeof expr}`);
  checkExprLength(expr);
  parses++;
  let plan: Pred;
  try {
    plan = checkFilter(parseFilter(expr), schema, params);
  } catch (e) {
    if (e instanceof PositionedError) throw exprError(expr, e.offset, e.message);
    if (e instanceof VesperError) throw e;
    // A RangeError (stack) or a bug must still surface as a coded input error, never a crash.
    throw exprError(expr, 0, `cannot compile expression: ${e instanceof Error ? e.message : String(e)}`);
  }
  const pks = primaryKeysOf(plan, schema);
  const out: CheckedFilter = { expr, pred: plan, fields: [...collectFields(plan, new Set())] };
  return pks === undefined ? out : { ...out, primaryKeys: pks };
}

/** The evaluator of a checked filter (no parsing: the plan is already checked). */
export function evaluatorOf(checked: CheckedFilter): CompiledFilter {
  const { expr, fields, primaryKeys: pks } = checked;
  const run = buildEvaluator(checked.pred);
  const compiled: CompiledFilter = {
    expr,
    fields,
    evaluate(cols: ColumnSet, candidates?: Bitset): Bitset {
      const n = cols.rowCount;
      if (candidates !== undefined && candidates.size !== n) {
        throw new VesperError('PARAMETER_INVALID', `filter candidates cover ${candidates.size} rows but the segment has ${n}`);
      }
      const mask = candidates !== undefined ? candidates.words : Bitset.full(n).words;
      const ctx: EvalContext = { cols, n, valid: new Map() };
      return new Bitset(n, run(ctx, mask).t);
    },
  };
  return pks === undefined ? compiled : { ...compiled, primaryKeys: pks };
}

/**
 * The first, cheapest cost check: a filter longer than EXPR_LIMITS.maxLength is refused
 * before lexing. Exported so a REST layer can refuse one before any other work.
 * @throws VesperError PARAMETER_INVALID (1100) naming the limit.
 */
export function checkExprLength(expr: string): void {
  if (expr.length > EXPR_LIMITS.maxLength) {
    throw exprError(expr, 0, `expression is ${expr.length} characters long, more than the limit of ${EXPR_LIMITS.maxLength}`);
  }
}

function collectFields(p: Pred, out: Set<string>): Set<string> {
  const add = (s: Source): void => void out.add(sourceField(s));
  switch (p.kind) {
    case 'not':
      return collectFields(p.child, out);
    case 'and':
    case 'or':
      for (const c of p.children) collectFields(c, out);
      return out;
    case 'colcmp':
      add(p.left);
      add(p.right);
      return out;
    default:
      add(p.source);
      return out;
  }
}

/** The pk values of `pk == v` / `pk in [...]` / or-chains of those; else undefined. */
function primaryKeysOf(p: Pred, schema: CollectionSchema): (bigint | string)[] | undefined {
  const pk = schema.fields.find((f) => f.is_primary_key);
  if (pk === undefined) return undefined;
  const out: (bigint | string)[] = [];
  const seen = new Set<bigint | string>();
  const push = (v: unknown): void => {
    let k: bigint | string | undefined;
    if (pk.data_type === DataType.VarChar && typeof v === 'string') k = v;
    else if (pk.data_type === DataType.Int64 && typeof v === 'bigint') k = v;
    else if (pk.data_type === DataType.Int64 && typeof v === 'number' && Number.isInteger(v)) k = BigInt(v);
    if (k !== undefined && !seen.has(k)) {
      seen.add(k);
      out.push(k);
    }
  };
  const visit = (q: Pred): boolean => {
    if (q.kind === 'or') return q.children.every(visit);
    const isPk = (s: Source): boolean => s.kind === 'field' && s.field === pk.name;
    if (q.kind === 'cmp' && q.op === '==' && q.arith === undefined && isPk(q.source)) {
      push(q.value);
      return true;
    }
    if (q.kind === 'in' && isPk(q.source)) {
      for (const v of q.values) push(v);
      return true;
    }
    return false;
  };
  return visit(p) ? out : undefined;
}
