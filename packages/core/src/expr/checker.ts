/**
 * Type checking: turns a parse tree into a typed plan against a CollectionSchema, with
 * Milvus's rules. Constants fold; templates bind; each comparison is normalised so the source
 * is on the left (`5 < x` → `x > 5`); arithmetic is exactly one `field op constant`.
 *
 * Invariants: the result is always a predicate (a bare boolean field or constant is not a
 * filter); incompatible comparisons are errors, never silently false; every error is a
 * PositionedError pointing at the offending node.
 */
import { readyAnalyzer } from '../text/analyzer-cache.ts';
import { DataType } from '../schema/data-type.ts';
import type { CollectionSchema } from '../schema/types.ts';
import type { Ast, CmpOp } from './ast.ts';
import { bindTemplate, checkInt64, compareNumeric, describeValue, foldArith, isNumeric, valueEquals } from './constants.ts';
import { fail } from './expr-error.ts';
import { validateLikePattern } from './like-pattern.ts';
import type { Arith, ContainsMode, Pred, Source, Value, ValueClass } from './plan.ts';
import { classOfSource, classOfType, describeSource, resolveColumn } from './resolve-source.ts';

type Typed =
  | { readonly t: 'const'; readonly value: Value; readonly pos: number }
  | { readonly t: 'source'; readonly source: Source; readonly arith?: Arith; readonly pos: number }
  | { readonly t: 'pred'; readonly pred: Pred; readonly pos: number };

const FLIP: Readonly<Record<CmpOp, CmpOp>> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** Checks `ast` against `schema`. @throws PositionedError. */
export function checkFilter(ast: Ast, schema: CollectionSchema, params?: Readonly<Record<string, unknown>>): Pred {
  const r = new Checker(schema, params).visit(ast);
  if (r.t === 'pred') return r.pred;
  if (r.t === 'const') throw fail(r.pos, 'a constant is not a filter expression: compare a field with it');
  if (r.source.kind === 'field' && r.source.type === DataType.Bool && r.arith === undefined) {
    throw fail(r.pos, `a bare boolean field is not a filter expression: write ${r.source.field} == true`);
  }
  throw fail(r.pos, `${describeSource(r.source)} is not a boolean expression`);
}

class Checker {
  constructor(
    private readonly schema: CollectionSchema,
    private readonly params: Readonly<Record<string, unknown>> | undefined,
  ) {}

  visit(n: Ast): Typed {
    switch (n.kind) {
      case 'int':
        return { t: 'const', value: checkInt64(n.value, n.pos), pos: n.pos };
      case 'float':
      case 'bool':
      case 'string':
        return { t: 'const', value: n.value, pos: n.pos };
      case 'array':
        return { t: 'const', value: n.items.map((it) => this.constant(it, 'array literal elements must be constants')), pos: n.pos };
      case 'template':
        return { t: 'const', value: bindTemplate(n.name, this.params, n.pos), pos: n.pos };
      case 'column':
        return { t: 'source', source: resolveColumn(this.schema, n.name, n.path, n.pos), pos: n.pos };
      case 'unary':
        return this.unary(n);
      case 'arith':
        return this.arith(n);
      case 'cmp':
        return this.cmp(n.op, this.visit(n.left), this.visit(n.right), n.opPos);
      case 'bitwise':
        throw fail(n.opPos, `bitwise operator '${n.op}' is not supported in filter expressions`);
      case 'logical':
        return this.logical(n);
      case 'range':
        return this.range(n);
      case 'in':
        return this.inList(n);
      case 'like':
        return this.like(n);
      case 'isnull': {
        const s = this.source(n.operand, 'is null applies to a field');
        if (s.kind === 'elem' || s.kind === 'length') throw fail(n.pos, `is null applies to a whole field, not ${describeSource(s)}`);
        return { t: 'pred', pred: { kind: 'isnull', source: s, negated: n.negated }, pos: n.pos };
      }
      case 'exists': {
        const s = this.source(n.operand, 'exists applies to a JSON field path');
        if (s.kind !== 'json') throw fail(n.operand.pos, `exists is only supported on JSON fields, not ${describeSource(s)}`);
        return { t: 'pred', pred: { kind: 'exists', source: s }, pos: n.pos };
      }
      case 'call':
        return this.call(n);
    }
  }

  private constant(n: Ast, what: string): Value {
    const r = this.visit(n);
    if (r.t !== 'const') throw fail(n.pos, what);
    return r.value;
  }

  private source(n: Ast, what: string): Source {
    const r = this.visit(n);
    if (r.t !== 'source' || r.arith !== undefined) throw fail(n.pos, what);
    return r.source;
  }

  private pred(n: Ast): Pred {
    const r = this.visit(n);
    if (r.t === 'pred') return r.pred;
    if (r.t === 'source' && r.source.kind === 'field' && r.source.type === DataType.Bool) {
      throw fail(n.pos, `a bare boolean field is not a filter expression: write ${r.source.field} == true`);
    }
    throw fail(n.pos, 'expected a boolean expression (a comparison, in, like, is null, ...)');
  }

  private unary(n: Extract<Ast, { kind: 'unary' }>): Typed {
    if (n.op === '~') throw fail(n.pos, "bitwise operator '~' is not supported in filter expressions");
    // -9223372036854775808 is the one literal that is only in range once negated.
    if (n.op === '-' && n.operand.kind === 'int') return { t: 'const', value: checkInt64(-n.operand.value, n.pos), pos: n.pos };
    const r = this.visit(n.operand);
    if (n.op === 'not') {
      if (r.t === 'pred') return { t: 'pred', pred: { kind: 'not', child: r.pred }, pos: n.pos };
      if (r.t === 'const' && typeof r.value === 'boolean') return { t: 'const', value: !r.value, pos: n.pos };
      this.pred(n.operand);
      throw fail(n.pos, 'not applies to a boolean expression');
    }
    if (r.t === 'const' && isNumeric(r.value)) {
      if (n.op === '+') return r;
      const v = r.value;
      return { t: 'const', value: typeof v === 'bigint' ? checkInt64(-v, n.pos) : -v, pos: n.pos };
    }
    throw fail(n.pos, `unary '${n.op}' applies only to numeric constants`);
  }

  private arith(n: Extract<Ast, { kind: 'arith' }>): Typed {
    const l = this.visit(n.left);
    const r = this.visit(n.right);
    if (l.t === 'const' && r.t === 'const') {
      if (!isNumeric(l.value) || !isNumeric(r.value)) throw fail(n.opPos, `arithmetic operator '${n.op}' applies only to numbers`);
      return { t: 'const', value: foldArith(n.op, l.value, r.value, n.opPos), pos: n.pos };
    }
    if (n.op === '**') throw fail(n.opPos, "operator '**' applies only to constants");
    let src = l;
    let k = r;
    if (l.t === 'const' && (n.op === '+' || n.op === '*')) {
      src = r;
      k = l;
    }
    if (src.t !== 'source' || k.t !== 'const') {
      throw fail(n.opPos, 'arithmetic must be a field and a constant, e.g. price * 2 > 10 (field op field, constant - field and predicates are not supported)');
    }
    if (src.arith !== undefined) throw fail(n.opPos, 'only one arithmetic operation on a field is supported, e.g. (a + 1) * 2 must be written as a comparison on a + constant');
    const operand = k.value;
    if (!isNumeric(operand)) throw fail(k.pos, `arithmetic operand must be a number, got ${describeValue(operand)}`);
    const cls = classOfSource(src.source);
    if (src.source.kind === 'length' || (cls !== 'int' && cls !== 'float' && cls !== 'json')) {
      throw fail(n.opPos, `arithmetic is not supported on ${describeSource(src.source)}`);
    }
    if (cls === 'int' && typeof operand !== 'bigint') throw fail(k.pos, `arithmetic on integer ${describeSource(src.source)} needs an integer constant`);
    if (n.op === '%' && (cls === 'float' || typeof operand !== 'bigint')) throw fail(n.opPos, 'modulo can only be applied to integers');
    if ((n.op === '/' || n.op === '%') && compareNumeric(operand, 0n) === 0) throw fail(k.pos, n.op === '/' ? 'divide by zero' : 'modulo by zero');
    return { t: 'source', source: src.source, arith: { op: n.op, operand }, pos: n.pos };
  }

  private cmp(op: CmpOp, l: Typed, r: Typed, pos: number): Typed {
    if (l.t === 'pred' || r.t === 'pred') throw fail(pos, `operator '${op}' compares values, not boolean expressions`);
    if (l.t === 'const' && r.t === 'const') return { t: 'const', value: compareConsts(op, l.value, r.value, pos), pos: l.pos };
    if (l.t === 'source' && r.t === 'source') {
      if (l.arith !== undefined || r.arith !== undefined) throw fail(pos, 'arithmetic is not supported when comparing two fields');
      return { t: 'pred', pred: this.colcmp(op, l.source, r.source, pos), pos: l.pos };
    }
    const [s, c, o] = l.t === 'source' ? [l, r as Extract<Typed, { t: 'const' }>, op] : [r as Extract<Typed, { t: 'source' }>, l, FLIP[op]];
    const cls = this.comparable(s.source, pos);
    checkConst(cls, c.value, o, s.source, c.pos);
    const pred: Pred = s.arith === undefined ? { kind: 'cmp', source: s.source, op: o, value: c.value } : { kind: 'cmp', source: s.source, arith: s.arith, op: o, value: c.value };
    return { t: 'pred', pred, pos: l.pos };
  }

  private comparable(s: Source, pos: number): ValueClass {
    const cls = classOfSource(s);
    if (cls === undefined) throw fail(pos, `${describeSource(s)} cannot be compared directly: use array_contains, array_length or an element like ${s.kind === 'array' ? s.field : 'arr'}[0]`);
    return cls;
  }

  private colcmp(op: CmpOp, a: Source, b: Source, pos: number): Pred {
    const ca = this.comparable(a, pos);
    const cb = this.comparable(b, pos);
    if (ca === 'json' || cb === 'json' || a.kind === 'length' || b.kind === 'length') {
      throw fail(pos, `comparing ${describeSource(a)} with ${describeSource(b)} is not supported`);
    }
    const numeric = (c: ValueClass): boolean => c === 'int' || c === 'float';
    if (!(ca === cb || (numeric(ca) && numeric(cb)))) throw fail(pos, `comparisons between ${describeSource(a)} and ${describeSource(b)} are not supported`);
    if (ca === 'bool' && op !== '==' && op !== '!=') throw fail(pos, `operator '${op}' is not supported for booleans`);
    return { kind: 'colcmp', left: a, op, right: b };
  }

  private logical(n: Extract<Ast, { kind: 'logical' }>): Typed {
    const children: Pred[] = [];
    for (const o of n.operands) {
      const p = this.pred(o);
      if (p.kind === n.op) children.push(...p.children);
      else children.push(p);
    }
    return { t: 'pred', pred: { kind: n.op, children }, pos: n.pos };
  }

  private range(n: Extract<Ast, { kind: 'range' }>): Typed {
    const s = this.source(n.column, 'a range needs a field in the middle, e.g. 1 < x <= 5');
    const cls = this.comparable(s, n.column.pos);
    const a = this.constant(n.lower, 'range bounds must be constants');
    const b = this.constant(n.upper, 'range bounds must be constants');
    const up = n.lowerOp === '<' || n.lowerOp === '<=';
    checkConst(cls, a, up ? '<' : '>', s, n.lower.pos);
    checkConst(cls, b, up ? '<' : '>', s, n.upper.pos);
    const pred: Pred = up
      ? { kind: 'range', source: s, lower: a, lowerInclusive: n.lowerOp === '<=', upper: b, upperInclusive: n.upperOp === '<=' }
      : { kind: 'range', source: s, lower: b, lowerInclusive: n.upperOp === '>=', upper: a, upperInclusive: n.lowerOp === '>=' };
    return { t: 'pred', pred, pos: n.pos };
  }

  private inList(n: Extract<Ast, { kind: 'in' }>): Typed {
    const s = this.source(n.operand, "the left side of 'in' must be a field");
    const cls = this.comparable(s, n.operand.pos);
    const list = this.constant(n.list, "the right side of 'in' must be a list of constants, e.g. x in [1, 2]");
    if (!Array.isArray(list)) throw fail(n.list.pos, "the right side of 'in' must be a list, e.g. x in [1, 2]");
    for (const v of list as readonly Value[]) checkConst(cls, v, '==', s, n.list.pos);
    const pred: Pred = { kind: 'in', source: s, values: list as readonly Value[] };
    return { t: 'pred', pred: n.negated ? { kind: 'not', child: pred } : pred, pos: n.pos };
  }

  private like(n: Extract<Ast, { kind: 'like' }>): Typed {
    const s = this.source(n.operand, 'like applies to a VarChar or JSON field');
    const cls = classOfSource(s);
    if (s.kind === 'length' || (cls !== 'string' && cls !== 'json')) throw fail(n.operand.pos, `like is only supported on VarChar, JSON and VarChar array elements, not ${describeSource(s)}`);
    const problem = validateLikePattern(n.pattern);
    if (problem !== undefined) throw fail(n.patternPos, problem);
    return { t: 'pred', pred: { kind: 'like', source: s, pattern: n.pattern }, pos: n.pos };
  }

  private textMatch(n: Extract<Ast, { kind: 'call' }>): Typed {
    const s = this.source(n.args[0]!, `${n.name} needs a VarChar field as its first argument`);
    const field = s.kind === 'field' ? this.schema.fields.find((f) => f.name === s.field && !f.is_dynamic) : undefined;
    if (!field || field.data_type !== DataType.VarChar) throw fail(n.args[0]!.pos, `${n.name} needs a VarChar field, not ${describeSource(s)}`);
    if (field.enable_match !== true) throw fail(n.args[0]!.pos, `field ${field.name} is not enabled for match: create it with enable_match`);
    const query = n.args[1]! as Extract<Ast, { kind: 'string' }>;
    const analyzer = readyAnalyzer(field);
    let terms = analyzer.analyze(query.value);
    let min = 1;
    let slop = 0;
    const extra = n.args[2];
    if (n.name === 'text_match') {
      // distinct terms: a repeated word does not count twice toward minimum_should_match
      const seen = new Set<string>();
      terms = terms.filter((t) => !seen.has(t.text) && (seen.add(t.text), true));
      if (extra) {
        const v = (extra as Extract<Ast, { kind: 'int' }>).value;
        if (v < 1n || v > 1000n) throw fail(extra.pos, `minimum_should_match should be in range [1, 1000], got ${v}`);
        min = Number(v);
      }
    } else if (extra) {
      const v = this.constant(extra, 'the slop of phrase_match must be a constant integer');
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v))) throw fail(extra.pos, 'the slop of phrase_match must be an integer');
      if (Number(v) < 0 || Number(v) > 2 ** 31 - 1) throw fail(extra.pos, `slop should be a non-negative integer, got ${v}`);
      slop = Number(v);
    }
    return { t: 'pred', pred: { kind: 'text', source: s, phrase: n.name === 'phrase_match', analyzerParams: field.analyzer_params ?? {}, terms, min, slop }, pos: n.pos };
  }

  private call(n: Extract<Ast, { kind: 'call' }>): Typed {
    if (n.name === 'random_sample') throw fail(n.pos, `${n.name} is not supported yet`);
    if (n.name === 'text_match' || n.name === 'phrase_match') return this.textMatch(n);
    if (n.name === 'array_length') {
      const s = this.source(n.args[0]!, 'array_length applies to an Array or JSON field');
      if (s.kind !== 'array' && s.kind !== 'json') throw fail(n.args[0]!.pos, `array_length applies to an Array or JSON field, not ${describeSource(s)}`);
      return { t: 'source', source: { kind: 'length', of: s }, pos: n.pos };
    }
    const s = this.source(n.args[0]!, `${n.name} needs an Array or JSON field as its first argument`);
    if (s.kind !== 'array' && s.kind !== 'json') throw fail(n.args[0]!.pos, `${n.name} needs an Array or JSON field, not ${describeSource(s)}`);
    const mode: ContainsMode = n.name.endsWith('_all') ? 'all' : n.name.endsWith('_any') ? 'any' : 'one';
    const v = this.constant(n.args[1]!, `the second argument of ${n.name} must be a constant`);
    let values: readonly Value[];
    if (mode === 'one') values = [v];
    else if (Array.isArray(v)) values = v as readonly Value[];
    else throw fail(n.args[1]!.pos, `the second argument of ${n.name} must be a list, e.g. ${n.name}(tags, ["a", "b"])`);
    if (s.kind === 'array') {
      const cls = classOfType(s.elementType) ?? 'json';
      for (const x of values) checkConst(cls, x, '==', s, n.args[1]!.pos);
    } else {
      for (const x of values) if (Array.isArray(x) && mode !== 'one') throw fail(n.args[1]!.pos, `${n.name} takes a list of scalars`);
    }
    return { t: 'pred', pred: { kind: 'contains', source: s, mode, values }, pos: n.pos };
  }
}

/** Checks that constant `v` can be compared with a source of class `cls` by `op`. */
function checkConst(cls: ValueClass, v: Value, op: CmpOp, s: Source, pos: number): void {
  const ok =
    cls === 'json' ? !Array.isArray(v)
    : cls === 'int' || cls === 'float' ? isNumeric(v)
    : cls === 'string' ? typeof v === 'string'
    : typeof v === 'boolean';
  if (!ok) throw fail(pos, `comparisons between ${describeSource(s)} and ${describeValue(v)} are not supported`);
  if (typeof v === 'boolean' && op !== '==' && op !== '!=') throw fail(pos, `operator '${op}' is not supported for booleans`);
}

function compareConsts(op: CmpOp, a: Value, b: Value, pos: number): boolean {
  if (op === '==' || op === '!=') {
    const same = (isNumeric(a) && isNumeric(b)) || typeof a === typeof b;
    if (!same) throw fail(pos, `comparisons between ${describeValue(a)} and ${describeValue(b)} are not supported`);
    return valueEquals(a, b) === (op === '==');
  }
  let c: number;
  if (isNumeric(a) && isNumeric(b)) c = compareNumeric(a, b);
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else throw fail(pos, `operator '${op}' cannot compare ${describeValue(a)} and ${describeValue(b)}`);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}
