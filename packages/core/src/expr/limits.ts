/**
 * Cost limits of a filter expression, checked before the work they bound: the source length
 * before lexing, the number of terms (tokens) while lexing, list lengths (array literals and
 * template arrays) while parsing/binding, and the tree height while parsing. Milvus bounds a
 * filter only by its request size (64 MB over gRPC); a Worker has 128 MB of heap for
 * everything, so Vesper bounds the expression itself. Each limit fails with 1100 and a
 * message naming the limit (docs/HARDENING.md "Limits").
 *
 * Sized so real filters pass with room: a 65,536-key `id in [...]` of 19-digit keys is ~1.3 MB
 * of text and 131,075 terms.
 */
export const EXPR_LIMITS = {
  /** Characters of filter source (UTF-16 code units, as String.length counts). */
  maxLength: 2 * 1024 * 1024,
  /** Tokens the lexer produces (each literal, name, operator and bracket is one). */
  maxTerms: 140_000,
  /** Elements of one list: an array literal (`in [...]`, `json_contains_any(x, [...])`) or a template array. */
  maxListLength: 65_536,
  /** Height of the parsed tree (nesting). */
  maxHeight: 200,
} as const;

/** Longest prefix of an expression an error message quotes (the rest is elided). */
export const MAX_QUOTED_EXPR = 256;

/** The expression as an error quotes it: whole when short, else its start and its length. */
export function quoteExpr(expr: string): string {
  return expr.length <= MAX_QUOTED_EXPR ? expr : `${expr.slice(0, MAX_QUOTED_EXPR)}... (${expr.length} characters)`;
}
