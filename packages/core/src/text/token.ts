/**
 * A token as analyzers produce it. Offsets are UTF-16 code-unit offsets into the analyzed
 * string (JavaScript's own indexing); `runAnalyzer` converts them to the UTF-8 byte offsets
 * Milvus reports. `position` counts tokenizer output; filters that drop tokens keep the
 * positions of the survivors (so phrase matching sees the gaps), as Milvus's analyzers do.
 */
export interface Token {
  text: string;
  start: number;
  end: number;
  position: number;
}

/** One analysis step after the tokenizer: maps the token stream to a new one. */
export type TokenFilter = (tokens: Token[]) => Token[];
