/**
 * Lexer for Milvus's filter language (Plan.g4's lexer rules): turns the source into tokens
 * that carry their start offset, so every later error can point at a column.
 *
 * Invariants: never throws anything but PositionedError; always ends with one `eof` token;
 * runs in time linear in the input and stops at EXPR_LIMITS.maxTerms tokens. Keywords are recognised only in all-lowercase or
 * ALL-UPPERCASE (as in Milvus); `True` is the one mixed-case spelling, for booleans. Integer
 * literals keep their exact value as a bigint (Int64 filters never go through doubles).
 */
import { fail } from './expr-error.ts';
import { EXPR_LIMITS } from './limits.ts';

export type TokenKind = 'int' | 'float' | 'string' | 'bool' | 'ident' | 'kw' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token (as written). */
  readonly text: string;
  /** Offset of the first character. */
  readonly pos: number;
  /** Normalised keyword or operator (`kw`: lowercase; `op`: `&&` → `and`, `||` → `or`). */
  readonly name: string;
  readonly int?: bigint;
  readonly float?: number;
  readonly str?: string;
  readonly bool?: boolean;
}

const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'like', 'exists', 'is', 'null',
  'json_contains', 'json_contains_all', 'json_contains_any',
  'array_contains', 'array_contains_all', 'array_contains_any', 'array_length',
  'text_match', 'phrase_match', 'random_sample',
]);

// Longest first: the lexer takes the first operator that matches at the cursor.
const OPERATORS = ['**', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '(', ')', '[', ']', '{', '}', ',', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '='];

const INT64_MAX = (1n << 63n) - 1n;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Splits `src` into tokens. @throws PositionedError on a character no token can start with. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    const start = i;
    if (out.length >= EXPR_LIMITS.maxTerms) throw fail(start, `expression has more than ${EXPR_LIMITS.maxTerms} terms (the limit on a filter's size)`);
    if (isIdentStart(c) || (c === 36 && src.startsWith('$meta', i) && !isIdentPart(src.charCodeAt(i + 5)))) {
      i = c === 36 ? i + 5 : i + 1;
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      out.push(word(src.slice(start, i), start));
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
      const t = number(src, start);
      out.push(t);
      i = start + t.text.length;
      continue;
    }
    if (c === 34 || c === 39) {
      const t = string(src, start);
      out.push(t);
      i = start + t.text.length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw fail(start, `token recognition error at: '${src[i]}'`);
    i += op.length;
    out.push({ kind: 'op', text: op, pos: start, name: op === '&&' ? 'and' : op === '||' ? 'or' : op });
  }
  out.push({ kind: 'eof', text: '<EOF>', pos: n, name: '<EOF>' });
  return out;
}

function word(text: string, pos: number): Token {
  if (text === 'true' || text === 'True' || text === 'TRUE') return { kind: 'bool', text, pos, name: text, bool: true };
  if (text === 'false' || text === 'False' || text === 'FALSE') return { kind: 'bool', text, pos, name: text, bool: false };
  const lower = text.toLowerCase();
  if (KEYWORDS.has(lower) && (text === lower || text === text.toUpperCase())) return { kind: 'kw', text, pos, name: lower };
  return { kind: 'ident', text, pos, name: text };
}

function number(src: string, start: number): Token {
  let i = start;
  const n = src.length;
  const c1 = src[start + 1];
  if (src[start] === '0' && (c1 === 'x' || c1 === 'X' || c1 === 'b' || c1 === 'B')) {
    const hex = c1 === 'x' || c1 === 'X';
    i = start + 2;
    const re = hex ? /[0-9a-fA-F]/ : /[01]/;
    while (i < n && re.test(src[i]!)) i++;
    if (i === start + 2) throw fail(start, `token recognition error at: '${src.slice(start, i)}'`);
    const text = src.slice(start, i);
    return intToken(text, start, BigInt(text.toLowerCase()));
  }
  while (i < n && isDigit(src.charCodeAt(i))) i++;
  let isFloat = false;
  if (src[i] === '.') {
    isFloat = true;
    i++;
    while (i < n && isDigit(src.charCodeAt(i))) i++;
  }
  if ((src[i] === 'e' || src[i] === 'E') && (isDigit(src.charCodeAt(i + 1)) || ((src[i + 1] === '+' || src[i + 1] === '-') && isDigit(src.charCodeAt(i + 2))))) {
    isFloat = true;
    i += 2;
    while (i < n && isDigit(src.charCodeAt(i))) i++;
  }
  const text = src.slice(start, i);
  if (isFloat) {
    const v = Number(text);
    if (!Number.isFinite(v)) throw fail(start, `floating-point literal ${text} is out of range`);
    return { kind: 'float', text, pos: start, name: text, float: v };
  }
  if (text.length > 1 && text[0] === '0') {
    if (!/^[0-7]+$/.test(text)) throw fail(start, `invalid octal literal ${text}`);
    return intToken(text, start, BigInt('0o' + text.slice(1)));
  }
  return intToken(text, start, BigInt(text));
}

function intToken(text: string, pos: number, v: bigint): Token {
  // A literal may be INT64_MAX + 1 only as the operand of unary minus; the parser checks that.
  if (v > INT64_MAX + 1n) throw fail(pos, `integer literal ${text} is out of the Int64 range`);
  return { kind: 'int', text, pos, name: text, int: v };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', "'": "'", '"': '"', '?': '?',
};

function string(src: string, start: number): Token {
  const quote = src[start]!;
  let i = start + 1;
  let out = '';
  const n = src.length;
  for (;;) {
    if (i >= n) throw fail(start, `unterminated string literal ${src.slice(start, Math.min(n, start + 20))}`);
    const ch = src[i]!;
    if (ch === quote) {
      i++;
      break;
    }
    if (ch === '\n' || ch === '\r') throw fail(start, 'unterminated string literal (newline inside quotes)');
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) throw fail(start, 'unterminated string literal');
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === '%' || e === '_') {
      // Kept as written: `\%` and `\_` are like-pattern escapes, interpreted by `like`.
      out += '\\' + e;
      i += 2;
    } else if (e === 'x') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(src.slice(i + 2, i + 4));
      if (!m) throw fail(i, 'invalid \\x escape in string literal');
      out += String.fromCharCode(parseInt(m[0], 16));
      i += 2 + m[0].length;
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = src.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw fail(i, `invalid \\${e} escape in string literal`);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw fail(i, `invalid code point \\${e}${hex} in string literal`);
      out += String.fromCodePoint(cp);
      i += 2 + len;
    } else if (e >= '0' && e <= '7') {
      const m = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4))!;
      const v = parseInt(m[0], 8);
      if (v > 255) throw fail(i, 'invalid octal escape in string literal');
      out += String.fromCharCode(v);
      i += 1 + m[0].length;
    } else {
      throw fail(i, `invalid escape sequence \\${e} in string literal`);
    }
  }
  const text = src.slice(start, i);
  return { kind: 'string', text, pos: start, name: text, str: out };
}
