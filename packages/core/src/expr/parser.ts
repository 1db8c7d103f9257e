/**
 * Recursive-descent parser for the filter grammar in spec/filter-grammar.md (Milvus's Plan.g4,
 * precedence loosest first: or, and, bitwise, equality, relational/range, in, shift, additive,
 * multiplicative, unary, power, like, primary).
 *
 * Invariants: the tree never grows taller than MAX_HEIGHT and recursion never goes deeper than
 * MAX_DEPTH, so hostile input cannot overflow the stack; errors are PositionedError with the
 * offending token's offset; the whole input must be consumed.
 */
import { heightOf, type Ast, type CallName, type CmpOp } from './ast.ts';
import { fail } from './expr-error.ts';
import { EXPR_LIMITS } from './limits.ts';
import { tokenize, type Token } from './lexer.ts';

/** Deepest tree accepted (Milvus users write flat filters; this only stops abuse). */
export const MAX_HEIGHT = EXPR_LIMITS.maxHeight;
const MAX_DEPTH = 400;

const CONTAINS_CALLS = new Set<CallName>([
  'json_contains', 'json_contains_all', 'json_contains_any',
  'array_contains', 'array_contains_all', 'array_contains_any',
]);

type WithoutHeight = Ast extends unknown ? (Ast extends infer A ? (A extends Ast ? Omit<A, 'height'> : never) : never) : never;

/** Parses a filter expression. @throws PositionedError on any syntax error. */
export function parseFilter(src: string): Ast {
  return new Parser(tokenize(src)).parseTop();
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly toks: readonly Token[]) {}

  parseTop(): Ast {
    const t = this.peek();
    if (t.kind === 'eof') throw fail(t.pos, "mismatched input '<EOF>': the expression is empty");
    const e = this.filter();
    const end = this.peek();
    if (end.kind !== 'eof') throw fail(end.pos, `extraneous input '${end.text}' expecting <EOF>`);
    return e;
  }

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private isOp(name: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.name === name;
  }
  private isKw(name: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'kw' || t.kind === 'op') && t.name === name;
  }
  private expectOp(name: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.name !== name) throw fail(t.pos, `mismatched input '${t.text}' expecting '${name}'`);
    return this.next();
  }
  private node(n: WithoutHeight, children: readonly Ast[]): Ast {
    const height = heightOf(children);
    if (height > MAX_HEIGHT) throw fail(n.pos, `expression is nested too deeply (more than ${MAX_HEIGHT} levels)`);
    return { ...n, height } as Ast;
  }
  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw fail(pos, `expression is nested too deeply (more than ${MAX_HEIGHT} levels)`);
  }

  filter(): Ast {
    this.enter(this.peek().pos);
    try {
      return this.logical('or');
    } finally {
      this.depth--;
    }
  }

  private logical(op: 'or' | 'and'): Ast {
    const first = op === 'or' ? this.logical('and') : this.bit();
    if (!this.isKw(op)) return first;
    const operands = [first];
    while (this.isKw(op)) {
      this.next();
      operands.push(op === 'or' ? this.logical('and') : this.bit());
    }
    return this.node({ kind: 'logical', op, operands, pos: first.pos }, operands);
  }

  private bit(): Ast {
    let left = this.eq();
    while (this.isOp('&') || this.isOp('|') || this.isOp('^')) {
      const t = this.next();
      const right = this.eq();
      left = this.node({ kind: 'bitwise', op: t.name as '&', opPos: t.pos, left, right, pos: left.pos }, [left, right]);
    }
    return left;
  }

  private eq(): Ast {
    let left = this.rel();
    while (this.isOp('==') || this.isOp('!=')) {
      const t = this.next();
      const right = this.rel();
      left = this.node({ kind: 'cmp', op: t.name as CmpOp, opPos: t.pos, left, right, pos: left.pos }, [left, right]);
    }
    return left;
  }

  private relOp(): '<' | '<=' | '>' | '>=' | undefined {
    const t = this.peek();
    if (t.kind === 'op' && (t.name === '<' || t.name === '<=' || t.name === '>' || t.name === '>=')) return t.name;
    return undefined;
  }

  private rel(): Ast {
    let left = this.term();
    for (let op1 = this.relOp(); op1 !== undefined; op1 = this.relOp()) {
      const t1 = this.next();
      const mid = this.term();
      const op2 = this.relOp();
      const up1 = op1 === '<' || op1 === '<=';
      if (op2 !== undefined && mid.kind === 'column' && up1 === (op2 === '<' || op2 === '<=')) {
        this.next();
        const upper = this.term();
        left = this.node(
          { kind: 'range', lower: left, lowerOp: op1, column: mid, upperOp: op2, upper, pos: left.pos },
          [left, mid, upper],
        );
        continue;
      }
      left = this.node({ kind: 'cmp', op: op1, opPos: t1.pos, left, right: mid, pos: left.pos }, [left, mid]);
    }
    return left;
  }

  private term(): Ast {
    let left = this.shift();
    for (;;) {
      let negated = false;
      if (this.isKw('not') && this.isKw('in', 1)) {
        negated = true;
        this.next();
      } else if (!this.isKw('in')) {
        return left;
      }
      this.next();
      const list = this.shift();
      left = this.node({ kind: 'in', negated, operand: left, list, pos: left.pos }, [left, list]);
    }
  }

  private shift(): Ast {
    let left = this.add();
    while (this.isOp('<<') || this.isOp('>>')) {
      const t = this.next();
      const right = this.add();
      left = this.node({ kind: 'bitwise', op: t.name as '<<', opPos: t.pos, left, right, pos: left.pos }, [left, right]);
    }
    return left;
  }

  private add(): Ast {
    let left = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      const right = this.mul();
      left = this.node({ kind: 'arith', op: t.name as '+', opPos: t.pos, left, right, pos: left.pos }, [left, right]);
    }
    return left;
  }

  private mul(): Ast {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.next();
      const right = this.unary();
      left = this.node({ kind: 'arith', op: t.name as '*', opPos: t.pos, left, right, pos: left.pos }, [left, right]);
    }
    return left;
  }

  private unary(): Ast {
    const t = this.peek();
    const op = t.kind === 'op' && (t.name === '+' || t.name === '-' || t.name === '~' || t.name === '!') ? t.name : t.kind === 'kw' && t.name === 'not' ? 'not' : undefined;
    if (op === undefined) return this.pow();
    this.next();
    this.enter(t.pos);
    try {
      const operand = this.unary();
      return this.node({ kind: 'unary', op: op === '!' ? 'not' : op, operand, pos: t.pos }, [operand]);
    } finally {
      this.depth--;
    }
  }

  private pow(): Ast {
    const base = this.like();
    if (!this.isOp('**')) return base;
    const t = this.next();
    this.enter(t.pos);
    try {
      const exp = this.pow();
      return this.node({ kind: 'arith', op: '**', opPos: t.pos, left: base, right: exp, pos: base.pos }, [base, exp]);
    } finally {
      this.depth--;
    }
  }

  private like(): Ast {
    let operand = this.primary();
    while (this.isKw('like')) {
      this.next();
      const p = this.peek();
      if (p.kind !== 'string') throw fail(p.pos, `mismatched input '${p.text}' expecting a string pattern after like`);
      this.next();
      operand = this.node({ kind: 'like', operand, pattern: p.str!, patternPos: p.pos, pos: operand.pos }, [operand]);
    }
    return operand;
  }

  private primary(): Ast {
    const t = this.peek();
    switch (t.kind) {
      case 'int':
        this.next();
        return { kind: 'int', value: t.int!, pos: t.pos, height: 1 };
      case 'float':
        this.next();
        return { kind: 'float', value: t.float!, pos: t.pos, height: 1 };
      case 'bool':
        this.next();
        return { kind: 'bool', value: t.bool!, pos: t.pos, height: 1 };
      case 'string':
        this.next();
        return { kind: 'string', value: t.str!, pos: t.pos, height: 1 };
      case 'ident':
        return this.column();
      case 'kw':
        return this.keywordPrimary(t);
      case 'op':
        if (t.name === '(') {
          this.next();
          const e = this.filter();
          this.expectOp(')');
          return e;
        }
        if (t.name === '[') return this.array();
        if (t.name === '{') {
          this.next();
          const id = this.peek();
          if (id.kind !== 'ident') throw fail(id.pos, `mismatched input '${id.text}' expecting a template parameter name`);
          this.next();
          this.expectOp('}');
          return { kind: 'template', name: id.text, pos: t.pos, height: 1 };
        }
        break;
      default:
        break;
    }
    throw fail(t.pos, t.kind === 'eof' ? "mismatched input '<EOF>': the expression ends too early" : `no viable alternative at input '${t.text}'`);
  }

  private keywordPrimary(t: Token): Ast {
    if (t.name === 'exists') {
      this.next();
      this.enter(t.pos);
      try {
        const operand = this.primary();
        return this.node({ kind: 'exists', operand, pos: t.pos }, [operand]);
      } finally {
        this.depth--;
      }
    }
    if (CONTAINS_CALLS.has(t.name as CallName) || t.name === 'array_length' || t.name === 'text_match' || t.name === 'phrase_match' || t.name === 'random_sample') {
      return this.call(t);
    }
    throw fail(t.pos, `no viable alternative at input '${t.text}'`);
  }

  private call(t: Token): Ast {
    const name = t.name as CallName;
    this.next();
    this.expectOp('(');
    const args: Ast[] = [];
    if (CONTAINS_CALLS.has(name)) {
      args.push(this.filter());
      this.expectOp(',');
      args.push(this.filter());
    } else if (name === 'array_length') {
      const c = this.peek();
      if (c.kind !== 'ident') throw fail(c.pos, `mismatched input '${c.text}' expecting a field name`);
      args.push(this.column());
    } else if (name === 'random_sample') {
      args.push(this.filter());
    } else {
      // text_match(field, "query" [, minimum_should_match = n]) / phrase_match(field, "q" [, slop])
      const f = this.peek();
      if (f.kind !== 'ident') throw fail(f.pos, `mismatched input '${f.text}' expecting a field name`);
      args.push(this.column());
      this.expectOp(',');
      const q = this.peek();
      if (q.kind !== 'string') throw fail(q.pos, `mismatched input '${q.text}' expecting a string`);
      this.next();
      args.push({ kind: 'string', value: q.str!, pos: q.pos, height: 1 });
      if (this.isOp(',')) {
        this.next();
        if (name === 'text_match') {
          const k = this.peek();
          if (k.kind !== 'ident' || k.text !== 'minimum_should_match') throw fail(k.pos, `mismatched input '${k.text}' expecting 'minimum_should_match'`);
          this.next();
          this.expectOp('=');
          const v = this.peek();
          if (v.kind !== 'int') throw fail(v.pos, `mismatched input '${v.text}' expecting an integer`);
          this.next();
          args.push({ kind: 'int', value: v.int!, pos: v.pos, height: 1 });
        } else {
          args.push(this.filter());
        }
      }
    }
    this.expectOp(')');
    return this.node({ kind: 'call', name, args, pos: t.pos }, args);
  }

  private column(): Ast {
    const t = this.next();
    const path: (string | bigint)[] = [];
    while (this.isOp('[')) {
      this.next();
      const k = this.peek();
      if (k.kind === 'string') path.push(k.str!);
      else if (k.kind === 'int') path.push(k.int!);
      else throw fail(k.pos, `mismatched input '${k.text}' expecting a string key or an integer index`);
      this.next();
      this.expectOp(']');
    }
    const col: Ast = { kind: 'column', name: t.text, path, pos: t.pos, height: 1 };
    if (this.isKw('is')) {
      this.next();
      let negated = false;
      if (this.isKw('not')) {
        this.next();
        negated = true;
      }
      const n = this.peek();
      if (!(n.kind === 'kw' && n.name === 'null')) throw fail(n.pos, `mismatched input '${n.text}' expecting 'null'`);
      this.next();
      return this.node({ kind: 'isnull', negated, operand: col, pos: t.pos }, [col]);
    }
    return col;
  }

  private array(): Ast {
    const open = this.next();
    const items: Ast[] = [];
    while (!this.isOp(']')) {
      if (items.length >= EXPR_LIMITS.maxListLength) throw fail(this.peek().pos, `list has more than ${EXPR_LIMITS.maxListLength} elements (the limit on a filter's list length)`);
      items.push(this.filter());
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      const t = this.peek();
      if (!this.isOp(']')) throw fail(t.pos, `mismatched input '${t.text}' expecting ',' or ']'`);
    }
    this.next();
    return this.node({ kind: 'array', items, pos: open.pos }, items);
  }
}
