/**
 * The test oracle for the filter compiler: a deliberately naive, row-at-a-time interpreter of
 * the filter language over plain row objects. It shares no code with packages/core/src/expr —
 * its own tokenizer, a precedence-climbing parser and a direct Kleene (three-valued)
 * evaluation — and implements the semantics as documented, not as optimised. It trusts its
 * input to be well formed (the compiler's errors are tested separately).
 */
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import type { CollectionSchema } from '../../packages/core/src/schema/types.ts';
import type { Row } from './random-data.ts';

const NULL = Symbol('NULL'); // a SQL null field: comparisons are unknown
const MISSING = Symbol('MISSING'); // a missing JSON key or index: comparisons are false
type Tri = boolean | typeof NULL;
interface V {
  v: unknown;
  /** Column type when the value comes from a column (JSON paths: JSON). */
  t?: DataType;
}
type N =
  | { k: 'lit'; v: unknown }
  | { k: 'col'; name: string; path: (string | number)[] }
  | { k: 'un'; op: string; a: N }
  | { k: 'bin'; op: string; a: N; b: N }
  | { k: 'range'; lo: N; loOp: string; col: N; hiOp: string; hi: N }
  | { k: 'in'; neg: boolean; a: N; list: N }
  | { k: 'like'; a: N; p: string }
  | { k: 'isnull'; neg: boolean; a: N }
  | { k: 'exists'; a: N }
  | { k: 'call'; name: string; args: N[] };

const TOKEN = /\s+|(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\$meta|[A-Za-z_]\w*)|(\*\*|<=|>=|==|!=|&&|\|\||[()[\]{},<>+\-*/%!])/y;

interface Tok { t: 'num' | 'str' | 'id' | 'p' | 'end'; s: string }

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`reference lexer: bad input at ${TOKEN.lastIndex}`);
    if (m[1] !== undefined) out.push({ t: 'num', s: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'str', s: m[2] });
    else if (m[3] !== undefined) {
      const low = m[3].toLowerCase();
      const isKw = ['and', 'or', 'not', 'in', 'like', 'is', 'null', 'exists', 'true', 'false'].includes(low) || low.startsWith('json_contains') || low.startsWith('array_');
      out.push({ t: 'id', s: isKw && (m[3] === low || m[3] === m[3].toUpperCase() || (low === 'true' || low === 'false')) ? low : m[3] });
    } else if (m[4] !== undefined) out.push({ t: 'p', s: m[4] === '&&' ? 'and' : m[4] === '||' ? 'or' : m[4] === '!' ? 'not' : m[4] });
  }
  out.push({ t: 'end', s: '' });
  return out;
}

function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)/g, (_, e: string) => {
    const c = e[0]!;
    if (c === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (c === 'u' || c === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (c >= '0' && c <= '7') return String.fromCharCode(parseInt(e, 8));
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '?': '?' };
    if (c === '%' || c === '_') return '\\' + c;
    return simple[c] ?? c;
  });
}

function num(s: string): unknown {
  if (/^0[xX]/.test(s) || /^0[bB]/.test(s)) return BigInt(s);
  if (/^0[0-7]+$/.test(s)) return BigInt('0o' + s.slice(1));
  if (/[.eE]/.test(s)) return Number(s);
  return BigInt(s);
}

// binding powers: or 1, and 2, ==/!= 4, relational 5, in 6, + - 8, * / % 9, unary 10, ** 11, like 12
const BIN: Record<string, number> = { or: 1, and: 2, '==': 4, '!=': 4, '<': 5, '<=': 5, '>': 5, '>=': 5, in: 6, '+': 8, '-': 8, '*': 9, '/': 9, '%': 9 };

class RefParser {
  i = 0;
  constructor(readonly toks: Tok[], readonly params: Readonly<Record<string, unknown>>) {}
  peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  eat(s?: string): Tok {
    const t = this.toks[this.i++]!;
    if (s !== undefined && t.s !== s) throw new Error(`reference parser: expected ${s}, got ${t.s}`);
    return t;
  }
  expr(minBp: number): N {
    let left = this.prefix();
    for (;;) {
      const t = this.peek();
      let op = t.s;
      if (t.t === 'end') break;
      if (op === 'not' && this.peek(1).s === 'in') op = 'not in';
      const bp = op === 'not in' ? 6 : t.t === 'p' || t.t === 'id' ? BIN[op] : undefined;
      if (bp === undefined || bp <= minBp) break;
      this.i += op === 'not in' ? 2 : 1;
      if (op === 'in' || op === 'not in') {
        left = { k: 'in', neg: op === 'not in', a: left, list: this.expr(6) };
        continue;
      }
      const right = this.expr(bp);
      const nt = this.peek().s;
      const up = (o: string): boolean => o === '<' || o === '<=';
      if (bp === 5 && BIN[nt] === 5 && right.k === 'col' && up(op) === up(nt)) {
        this.i++;
        left = { k: 'range', lo: left, loOp: op, col: right, hiOp: nt, hi: this.expr(5) };
        continue;
      }
      left = { k: 'bin', op, a: left, b: right };
    }
    return left;
  }
  prefix(): N {
    const t = this.peek();
    if (t.s === '-' || t.s === '+' || t.s === 'not') {
      this.i++;
      return { k: 'un', op: t.s, a: this.expr(9.5) };
    }
    let base = this.atom();
    while (this.peek().s === 'like') {
      this.i++;
      base = { k: 'like', a: base, p: unquote(this.eat().s) };
    }
    if (this.peek().s === '**') {
      this.i++;
      return { k: 'bin', op: '**', a: base, b: this.expr(10.5) };
    }
    return base;
  }
  atom(): N {
    const t = this.eat();
    if (t.t === 'num') return { k: 'lit', v: num(t.s) };
    if (t.t === 'str') return { k: 'lit', v: unquote(t.s) };
    if (t.s === 'true' || t.s === 'false') return { k: 'lit', v: t.s === 'true' };
    if (t.s === '(') {
      const e = this.expr(0);
      this.eat(')');
      return e;
    }
    if (t.s === '[') {
      const items: N[] = [];
      while (this.peek().s !== ']') {
        items.push(this.expr(0));
        if (this.peek().s === ',') this.i++;
      }
      this.i++;
      return { k: 'lit', v: items.map((x) => constOf(x)) };
    }
    if (t.s === '{') {
      const name = this.eat().s;
      this.eat('}');
      return { k: 'lit', v: tmpl(this.params[name]) };
    }
    if (t.s === 'exists') return { k: 'exists', a: this.atom() };
    if (t.s.startsWith('json_contains') || t.s.startsWith('array_')) {
      this.eat('(');
      const args = [this.expr(0)];
      while (this.peek().s === ',') {
        this.i++;
        args.push(this.expr(0));
      }
      this.eat(')');
      return { k: 'call', name: t.s, args };
    }
    const path: (string | number)[] = [];
    while (this.peek().s === '[') {
      this.i++;
      const k = this.eat();
      path.push(k.t === 'str' ? unquote(k.s) : Number(num(k.s)));
      this.eat(']');
    }
    const col: N = { k: 'col', name: t.s, path };
    if (this.peek().s === 'is') {
      this.i++;
      const neg = this.peek().s === 'not';
      if (neg) this.i++;
      this.eat('null');
      return { k: 'isnull', neg, a: col };
    }
    return col;
  }
}

function tmpl(v: unknown): unknown {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(tmpl);
  return v;
}

function constOf(n: N): unknown {
  const r = evalVal(n, {}, undefined as unknown as CollectionSchema);
  return r.v;
}

function arith(op: string, a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (op === '**') return b >= 0n ? a ** b : Number(a) ** Number(b);
    return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  }
  const x = Number(a);
  const y = Number(b);
  return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : op === '%' ? x % y : x ** y;
}

const INT_TYPES = [DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64];

function evalVal(n: N, row: Row, schema: CollectionSchema): V {
  switch (n.k) {
    case 'lit':
      return { v: n.v };
    case 'un': {
      const a = evalVal(n.a, row, schema).v;
      return { v: n.op === '-' ? -(a as number) : a };
    }
    case 'col': {
      const f = schema.fields.find((x) => x.name === n.name);
      if (f === undefined) {
        const path = n.name === '$meta' ? n.path : [n.name, ...n.path];
        return { v: walk(row.$meta, path), t: DataType.JSON };
      }
      const raw = row[n.name];
      if (raw === null) return { v: NULL, t: f.data_type };
      if (f.data_type === DataType.JSON) return { v: walk(raw, n.path), t: DataType.JSON };
      if (f.data_type === DataType.Array && n.path.length > 0) {
        const a = raw as unknown[];
        const i = n.path[0] as number;
        return { v: i < a.length ? a[i] : MISSING, t: f.element_type };
      }
      return { v: raw, t: f.data_type === DataType.Array ? undefined : f.data_type };
    }
    case 'call': {
      const a = evalVal(n.args[0]!, row, schema).v;
      if (a === NULL) return { v: NULL };
      return { v: Array.isArray(a) ? BigInt(a.length) : MISSING };
    }
    case 'bin': {
      let a = evalVal(n.a, row, schema);
      let b = evalVal(n.b, row, schema);
      if (a.t === undefined && b.t !== undefined) [a, b] = [b, a];
      if (a.t === undefined) return { v: arith(n.op, a.v, b.v) };
      const x = a.v;
      const c = b.v;
      if (x === NULL) return { v: NULL, t: a.t };
      if (typeof x !== 'number' && typeof x !== 'bigint') return { v: MISSING, t: a.t };
      if (INT_TYPES.includes(a.t)) return { v: arith(n.op, BigInt(x), c), t: a.t };
      if (a.t === DataType.Float) return { v: Math.fround(arith(n.op, x, Math.fround(Number(c))) as number), t: a.t };
      if (a.t === DataType.JSON && n.op === '%' && !Number.isInteger(x)) return { v: MISSING, t: a.t };
      return { v: arith(n.op, x, Number(c)), t: a.t };
    }
    default:
      throw new Error(`reference: ${n.k} is not a value`);
  }
}

function walk(v: unknown, path: (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof k === 'number') {
      if (!Array.isArray(cur) || k >= cur.length) return MISSING;
      cur = cur[k];
    } else {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !(k in cur)) return MISSING;
      cur = (cur as Record<string, unknown>)[k];
    }
  }
  return cur;
}

/** -1/0/1, or undefined when the two cannot be compared. */
function cmp3(x: unknown, y: unknown): number | undefined {
  const nx = typeof x === 'number' || typeof x === 'bigint';
  const ny = typeof y === 'number' || typeof y === 'bigint';
  if (nx && ny) {
    if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
    return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
  }
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'boolean' && typeof y === 'boolean') return x === y ? 0 : 1;
  return undefined;
}

function same(x: unknown, y: unknown): boolean {
  if (Array.isArray(y)) return Array.isArray(x) && x.length === y.length && y.every((e, i) => same(x[i], e));
  return cmp3(x, y) === 0;
}

function holds(op: string, c: number | undefined): boolean {
  if (c === undefined) return false;
  return op === '==' ? c === 0 : op === '!=' ? c !== 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

/** Rounds a constant compared with a Float column, as the column stores float32. */
function fit(c: unknown, t: DataType | undefined): unknown {
  if (t === DataType.Float && (typeof c === 'number' || typeof c === 'bigint')) return Math.fround(Number(c));
  if (Array.isArray(c)) return c.map((x) => fit(x, t));
  return c;
}

function likeRe(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '\\') re += p[++i]!.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su');
}

function pred(n: N, row: Row, schema: CollectionSchema): Tri {
  switch (n.k) {
    case 'un': {
      const a = pred(n.a, row, schema);
      return a === NULL ? NULL : !a;
    }
    case 'bin': {
      if (n.op === 'and' || n.op === 'or') {
        const a = pred(n.a, row, schema);
        const b = pred(n.b, row, schema);
        if (n.op === 'and') return a === false || b === false ? false : a === NULL || b === NULL ? NULL : true;
        return a === true || b === true ? true : a === NULL || b === NULL ? NULL : false;
      }
      const a = evalVal(n.a, row, schema);
      const b = evalVal(n.b, row, schema);
      if (a.v === NULL || b.v === NULL) return NULL;
      const bothCols = a.t !== undefined && b.t !== undefined;
      const av = bothCols ? a.v : fit(a.v, b.t);
      const bv = bothCols ? b.v : fit(b.v, a.t);
      return holds(n.op, cmp3(av, bv));
    }
    case 'range': {
      const x = evalVal(n.col, row, schema);
      if (x.v === NULL) return NULL;
      const lo = fit(evalVal(n.lo, row, schema).v, x.t);
      const hi = fit(evalVal(n.hi, row, schema).v, x.t);
      const [l, lInc, h, hInc] = n.loOp === '<' || n.loOp === '<=' ? [lo, n.loOp === '<=', hi, n.hiOp === '<='] : [hi, n.hiOp === '>=', lo, n.loOp === '>='];
      return holds(lInc ? '>=' : '>', cmp3(x.v, l)) && holds(hInc ? '<=' : '<', cmp3(x.v, h));
    }
    case 'in': {
      const x = evalVal(n.a, row, schema);
      if (x.v === NULL) return NULL;
      const list = fit(evalVal(n.list, row, schema).v, x.t) as unknown[];
      const hit = list.some((c) => same(x.v, c));
      return n.neg ? !hit : hit;
    }
    case 'like': {
      const x = evalVal(n.a, row, schema).v;
      if (x === NULL) return NULL;
      return typeof x === 'string' && likeRe(n.p).test(x);
    }
    case 'isnull': {
      const x = evalVal(n.a, row, schema).v;
      const isNull = x === NULL || x === MISSING || x === null;
      return n.neg ? !isNull : isNull;
    }
    case 'exists': {
      const x = evalVal(n.a, row, schema).v;
      return x !== NULL && x !== MISSING;
    }
    case 'call': {
      const src = evalVal(n.args[0]!, row, schema);
      if (src.v === NULL) return NULL;
      const arr = src.v;
      const t = schema.fields.find((f) => f.name === (n.args[0] as { name?: string }).name)?.element_type;
      const arg = fit(evalVal(n.args[1]!, row, schema).v, t);
      if (!Array.isArray(arr)) return false;
      const has = (c: unknown): boolean => arr.some((e) => same(e, c));
      if (n.name.endsWith('_all')) return (arg as unknown[]).every(has);
      if (n.name.endsWith('_any')) return (arg as unknown[]).some(has);
      return has(arg);
    }
    default:
      throw new Error(`reference: ${n.k} is not a predicate`);
  }
}

/** Parses `expr` once; returns a per-row evaluator giving true, false or null (unknown). */
export function referenceFilter(expr: string, schema: CollectionSchema, params: Readonly<Record<string, unknown>> = {}): (row: Row) => boolean | null {
  const p = new RefParser(lex(expr), params);
  const ast = p.expr(0);
  if (p.peek().t !== 'end') throw new Error(`reference parser: trailing input at ${p.peek().s}`);
  return (row) => {
    const r = pred(ast, row, schema);
    return r === NULL ? null : r;
  };
}

/** Indices of the rows the reference says match. */
export function referenceMatches(expr: string, schema: CollectionSchema, rows: readonly Row[], params?: Readonly<Record<string, unknown>>): number[] {
  const f = referenceFilter(expr, schema, params);
  const out: number[] = [];
  rows.forEach((r, i) => {
    if (f(r) === true) out.push(i);
  });
  return out;
}
