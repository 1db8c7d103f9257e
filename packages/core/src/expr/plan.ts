/**
 * The typed plan a filter compiles to (Milvus's planpb.Expr, simplified): predicates over
 * value sources, with every constant already folded, bound and checked against the schema.
 * The evaluator and the scalar-index planner only ever see this form.
 *
 * Invariants: constants are `Value`s where integers are bigint (exact Int64) and floats are
 * numbers; a `Source` names a column that exists in the schema (or the dynamic `$meta`); every
 * arithmetic divisor is non-zero; operator/type combinations are ones the evaluator supports.
 */
import type { Token } from '../text/token.ts';
import type { DataType } from '../schema/data-type.ts';
import type { ArithOp, CmpOp } from './ast.ts';

/** A folded constant: bigint = integer literal, number = floating literal. */
export type Value = boolean | bigint | number | string | readonly Value[];

/** How a source's values compare: decides which constants it accepts. */
export type ValueClass = 'bool' | 'int' | 'float' | 'string' | 'json';

export type Source =
  /** A scalar column (Bool, Int8..Int64, Float, Double, VarChar). */
  | { readonly kind: 'field'; readonly field: string; readonly type: DataType }
  /** A JSON column (or `$meta`) at a path; an empty path is the whole value. */
  | { readonly kind: 'json'; readonly field: string; readonly path: readonly (string | number)[] }
  /** A whole Array column (for contains and array_length). */
  | { readonly kind: 'array'; readonly field: string; readonly elementType: DataType }
  /** One element of an Array column: `arr[3]`. */
  | { readonly kind: 'elem'; readonly field: string; readonly index: number; readonly elementType: DataType }
  /** `array_length(x)` of an Array column or a JSON array. */
  | { readonly kind: 'length'; readonly of: Source };

export interface Arith {
  readonly op: ArithOp;
  readonly operand: bigint | number;
}

export type ContainsMode = 'one' | 'all' | 'any';

export type Pred =
  | { readonly kind: 'cmp'; readonly source: Source; readonly arith?: Arith; readonly op: CmpOp; readonly value: Value }
  | {
      readonly kind: 'range';
      readonly source: Source;
      readonly lower: Value;
      readonly lowerInclusive: boolean;
      readonly upper: Value;
      readonly upperInclusive: boolean;
    }
  | { readonly kind: 'in'; readonly source: Source; readonly values: readonly Value[] }
  | { readonly kind: 'like'; readonly source: Source; readonly pattern: string }
  | { readonly kind: 'colcmp'; readonly left: Source; readonly op: CmpOp; readonly right: Source }
  | { readonly kind: 'isnull'; readonly source: Source; readonly negated: boolean }
  | { readonly kind: 'exists'; readonly source: Source }
  | { readonly kind: 'contains'; readonly source: Source; readonly mode: ContainsMode; readonly values: readonly Value[] }
  /**
   * text_match (any `min` of the query's distinct terms) / phrase_match (the query's terms in
   * order, `slop` extra positions in all) over an `enable_match` VarChar field, tokenized by
   * the field's analyzer.
   */
  | {
      readonly kind: 'text';
      readonly source: Source;
      readonly phrase: boolean;
      /** The field's analyzer_params: plans are plain data (they cross workers and DOs); the evaluator looks the analyzer up. */
      readonly analyzerParams: unknown;
      readonly terms: readonly Token[];
      readonly min: number;
      readonly slop: number;
    }
  | { readonly kind: 'not'; readonly child: Pred }
  | { readonly kind: 'and' | 'or'; readonly children: readonly Pred[] };

/** The column a source reads. */
export function sourceField(s: Source): string {
  return s.kind === 'length' ? sourceField(s.of) : s.field;
}
