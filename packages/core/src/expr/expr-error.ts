/**
 * The one way the filter compiler fails: a VesperError PARAMETER_INVALID (1100) whose message
 * has Milvus's shape, `cannot parse expression: <expr>, error: line <l>:<col> <what>`, with the
 * ANTLR convention of 1-based lines and 0-based columns. Every stage (lexer, parser, checker,
 * template binding) throws through `exprError` so callers see one code and one shape.
 */
import { VesperError } from '../errors/index.ts';
import { quoteExpr } from './limits.ts';

/** Converts a source offset to ANTLR's (line, column): line 1-based, column 0-based. */
export function lineCol(source: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart };
}

/** Builds the coded error for a failure at `offset` in `source`. */
export function exprError(source: string, offset: number, what: string): VesperError {
  const { line, col } = lineCol(source, offset);
  // A hostile expression may be megabytes long: quote its start only.
  const quoted = quoteExpr(source);
  return new VesperError('PARAMETER_INVALID', `cannot parse expression: ${quoted}, error: line ${line}:${col} ${what}`, {
    expr: quoted,
    line,
    column: col,
  });
}

/** Thrown inside the compiler with a position; `compileFilter` turns it into an exprError. */
export class PositionedError extends Error {
  readonly offset: number;
  constructor(offset: number, what: string) {
    super(what);
    this.name = 'PositionedError';
    this.offset = offset;
  }
}

/** Shorthand used by every stage: `throw fail(node.pos, 'what went wrong')`. */
export function fail(offset: number, what: string): PositionedError {
  return new PositionedError(offset, what);
}
