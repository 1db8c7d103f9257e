/**
 * The parse tree of a filter: what was written, with source offsets, before any schema is
 * consulted. The checker (checker.ts) turns it into a typed plan. `and`/`or` chains are n-ary
 * so a long chain does not make a deep tree; `height` bounds recursion in every later pass.
 */

export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type BitOp = '&' | '|' | '^' | '<<' | '>>';
export type CallName =
  | 'json_contains' | 'json_contains_all' | 'json_contains_any'
  | 'array_contains' | 'array_contains_all' | 'array_contains_any'
  | 'array_length' | 'text_match' | 'phrase_match' | 'random_sample';

interface Base {
  /** Offset of the node's first character in the source. */
  readonly pos: number;
  /** 1 for leaves; 1 + the tallest child otherwise. */
  readonly height: number;
}

export type Ast =
  | (Base & { readonly kind: 'int'; readonly value: bigint })
  | (Base & { readonly kind: 'float'; readonly value: number })
  | (Base & { readonly kind: 'bool'; readonly value: boolean })
  | (Base & { readonly kind: 'string'; readonly value: string })
  | (Base & { readonly kind: 'array'; readonly items: readonly Ast[] })
  | (Base & { readonly kind: 'template'; readonly name: string })
  /** `name` is an identifier or `$meta`; `path` holds the `[...]` accessors in order. */
  | (Base & { readonly kind: 'column'; readonly name: string; readonly path: readonly (string | bigint)[] })
  | (Base & { readonly kind: 'unary'; readonly op: '+' | '-' | 'not' | '~'; readonly operand: Ast })
  | (Base & { readonly kind: 'arith'; readonly op: ArithOp | '**'; readonly opPos: number; readonly left: Ast; readonly right: Ast })
  | (Base & { readonly kind: 'cmp'; readonly op: CmpOp; readonly opPos: number; readonly left: Ast; readonly right: Ast })
  | (Base & { readonly kind: 'bitwise'; readonly op: BitOp; readonly opPos: number; readonly left: Ast; readonly right: Ast })
  | (Base & { readonly kind: 'logical'; readonly op: 'and' | 'or'; readonly operands: readonly Ast[] })
  /** `lower lowerOp column upperOp upper`, ops both `<`/`<=` or both `>`/`>=`. */
  | (Base & {
      readonly kind: 'range';
      readonly lower: Ast;
      readonly lowerOp: '<' | '<=' | '>' | '>=';
      readonly column: Ast;
      readonly upperOp: '<' | '<=' | '>' | '>=';
      readonly upper: Ast;
    })
  | (Base & { readonly kind: 'in'; readonly negated: boolean; readonly operand: Ast; readonly list: Ast })
  | (Base & { readonly kind: 'like'; readonly operand: Ast; readonly pattern: string; readonly patternPos: number })
  | (Base & { readonly kind: 'isnull'; readonly negated: boolean; readonly operand: Ast })
  | (Base & { readonly kind: 'exists'; readonly operand: Ast })
  | (Base & { readonly kind: 'call'; readonly name: CallName; readonly args: readonly Ast[] });

export type AstKind = Ast['kind'];

/** Height of a new node over `children`. */
export function heightOf(children: readonly Ast[]): number {
  let h = 0;
  for (const c of children) if (c.height > h) h = c.height;
  return h + 1;
}
