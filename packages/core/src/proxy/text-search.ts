/**
 * Full-text search of a BM25 function's output field: `data` holds query texts, not vectors.
 *
 * The entry point of a search (SearchTask, HybridSearchTask, the edge's DistributedEngine)
 * runs it in two rounds at one snapshot:
 * 1. `textSearch` analyzes the texts with the input field's analyzer into term frequencies,
 *    and every holder of segments answers `statsShare` — rows, tokens and per-term document
 *    frequency over all of the collection's rows visible at the snapshot (all partitions,
 *    no filter) — which are summed;
 * 2. `resolvedRequest` turns the request into an ordinary sparse search: the texts become
 *    idf-weighted vectors and `bm25` carries k1, b and the collection's average length, so
 *    every holder scores its rows with the same global statistics and the answer does not
 *    depend on how the rows are split into segments, shards, workers or nodes.
 */
import { VesperError } from '../errors/index.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import type { SparseVector } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import type { Segment } from '../segments/segment.ts';
import { termFrequencies } from '../functions/bm25-function.ts';
import { analyzerFor } from '../text/analyzer-cache.ts';
import { BM25_DEFAULTS, addStats, averageLength, bm25Query, emptyStats, segmentBm25Stats, type Bm25Params, type Bm25Stats, type Bm25StatsRequest } from '../query/sparse-search.ts';
import { checkNq } from './request-limits.ts';
import { chooseVectorField, type SearchRequestFields } from './search-request.ts';
import { showValue } from '../util/show-value.ts';

export type { Bm25Stats } from '../query/sparse-search.ts';

/** What a holder needs to count statistics: the field and the query terms. */
export type { Bm25StatsRequest } from '../query/sparse-search.ts';

export interface TextSearch {
  readonly field: FieldSchema;
  /** Term frequencies per query text. */
  readonly queries: readonly SparseVector[];
  /** `data` was one text (the answer is one flat list). */
  readonly single: boolean;
  readonly stats: Bm25StatsRequest;
  readonly k1: number;
  readonly b: number;
}

function indexParam(info: CollectionInfo, field: string, key: string, fallback: number): number {
  const v = info.indexes.find((i) => i.fieldName === field)?.params[key];
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : fallback;
}

/**
 * Whether `textSearch` has something to do (a search of a BM25 output field, or a request
 * naming `bm25`, which it refuses): a plain vector search skips it, and its await.
 */
export function isTextSearch(info: CollectionInfo, req: SearchRequestFields): boolean {
  return req.bm25 !== undefined || chooseVectorField(info, req.anns_field).is_function_output === true;
}

/**
 * The analyzed queries of a search on a BM25 output field (undefined for any other search).
 * @throws PARAMETER_INVALID when the data are not texts.
 */
export async function textSearch(info: CollectionInfo, req: SearchRequestFields): Promise<TextSearch | undefined> {
  if (req.bm25 !== undefined) throw new VesperError('PARAMETER_INVALID', 'bm25 is not a search parameter (BM25 statistics come from the collection)');
  const field = chooseVectorField(info, req.anns_field);
  if (!field.is_function_output) return undefined;
  const fn = info.schema.functions?.find((f) => f.output_field_names[0] === field.name);
  const input = info.schema.fields.find((f) => f.name === fn?.input_field_names[0]);
  if (!fn || !input) throw new VesperError('INTERNAL', `no function writes ${field.name}`);
  const data = req.data ?? req.vectors ?? req.vector;
  const single = typeof data === 'string';
  const texts = single ? [data] : data;
  if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) {
    throw new VesperError(
      'PARAMETER_INVALID',
      `field ${field.name} is the output of BM25 function ${fn.name}: search it with query texts (data: ['...']), got ${showValue(data)?.slice(0, 80)}`,
    );
  }
  if ((texts as string[]).some((t) => t.trim() === '')) throw new VesperError('PARAMETER_INVALID', `search on ${field.name}: a query text is empty`);
  checkNq(texts.length);
  const analyzer = await analyzerFor(input);
  const queries = (texts as string[]).map((t) => termFrequencies(analyzer, t));
  const terms = [...new Set(queries.flatMap((q) => [...q.indices]))].sort((a, b) => a - b);
  return {
    field,
    queries,
    single,
    stats: { field: field.name, terms },
    k1: indexParam(info, field.name, 'bm25_k1', BM25_DEFAULTS.k1),
    b: indexParam(info, field.name, 'bm25_b', BM25_DEFAULTS.b),
  };
}

/** A holder's statistics over its segments at ts. */
export function statsShare(segments: readonly Segment[], ts: bigint, req: Bm25StatsRequest): Bm25Stats {
  return segments.reduce((acc, seg) => addStats(acc, segmentBm25Stats(seg, req.field, req.terms, ts)), emptyStats(req.terms.length));
}

/** Sums holders' statistics. */
export function sumStats(parts: readonly Bm25Stats[], terms: number): Bm25Stats {
  return parts.reduce((acc, p) => addStats(acc, p), emptyStats(terms));
}

const asObject = (v: SparseVector): Record<string, number> => {
  const out: Record<string, number> = {};
  v.indices.forEach((t, i) => (out[String(t)] = v.values[i]!));
  return out;
};

/** The request each holder scores with: idf-weighted query vectors and BM25's parameters. */
export function resolvedRequest<T extends SearchRequestFields>(req: T, text: TextSearch, stats: Bm25Stats): T {
  const vectors = text.queries.map((q) => asObject(bm25Query(q, text.stats.terms, stats)));
  const bm25: Bm25Params = { k1: text.k1, b: text.b, avgdl: averageLength(stats) };
  const { vector: _v, vectors: _vs, ...rest } = req;
  return { ...rest, data: text.single ? vectors[0] : vectors, bm25 } as T;
}

/** The resolved request with empty statistics: lets an entry point check the rest of the request before any read. */
export function probeRequest<T extends SearchRequestFields>(req: T, text: TextSearch): T {
  return resolvedRequest(req, text, emptyStats(text.stats.terms.length));
}
