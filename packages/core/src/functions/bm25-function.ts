/**
 * The BM25 function at write time: a VarChar input analyzed into tokens, stored as a sparse
 * vector of term frequencies keyed by Milvus's term hash (text/term-hash.ts). Scoring needs
 * the corpus statistics only at search time (query/bm25.ts), so a document's vector depends
 * on its own text alone and is the same in every segment, shard and runtime.
 */
import { VesperError } from '../errors/index.ts';
import type { Analyzer } from '../text/analyzer.ts';
import { analyzerFor } from '../text/analyzer-cache.ts';
import { termHash } from '../text/term-hash.ts';
import type { SparseVector } from '../schema/columns.ts';
import type { CollectionSchema } from '../schema/types.ts';

/** Term frequencies of a text as a sparse vector (indices ascending). */
export function termFrequencies(analyzer: Analyzer, text: string): SparseVector {
  const counts = new Map<number, number>();
  for (const t of analyzer.analyze(text)) {
    const h = termHash(t.text);
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  const indices = Uint32Array.from(counts.keys()).sort();
  const values = Float32Array.from(indices, (i) => counts.get(i)!);
  return { indices, values };
}

/** One function output column of a batch: where its text comes from and how it is computed. */
export interface FunctionOutput {
  readonly input: string;
  compute(text: unknown): SparseVector;
}

const EMPTY: SparseVector = { indices: new Uint32Array(0), values: new Float32Array(0) };

/**
 * What rowsToBatch needs to fill a collection's function output fields, by output field name
 * (undefined when the schema has no functions). A null or absent text gives an empty vector.
 */
export async function functionOutputs(schema: CollectionSchema): Promise<ReadonlyMap<string, FunctionOutput> | undefined> {
  const fns = schema.functions ?? [];
  if (fns.length === 0) return undefined;
  const out = new Map<string, FunctionOutput>();
  for (const fn of fns) {
    const input = schema.fields.find((f) => f.name === fn.input_field_names[0]);
    if (!input) throw new VesperError('INTERNAL', `function ${fn.name}: input field ${fn.input_field_names[0]} missing from the schema`);
    const analyzer = await analyzerFor(input);
    out.set(fn.output_field_names[0]!, {
      input: input.name,
      compute: (text) => (typeof text === 'string' ? termFrequencies(analyzer, text) : EMPTY),
    });
  }
  return out;
}
