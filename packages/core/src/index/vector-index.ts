/**
 * The contract between segments and vector indexes (Milvus's knowhere boundary). An index
 * covers the rows of one sealed segment, addressed by row offset 0..count-1. It never sees
 * primary keys or timestamps: MVCC visibility, deletes and filters all arrive as one
 * allow-list bitset per search.
 *
 * Distances use Milvus's conventions: squared L2 (smaller is closer); IP and COSINE similarity
 * (larger is closer); HAMMING and JACCARD distances (smaller is closer).
 */
import type { Bitset } from '../util/bitset.ts';
import type { MetricType } from '../schema/types.ts';
import type { VectorColumn } from '../schema/columns.ts';
import type { RangeSource } from '../util/block-file.ts';

/** Queries for one search: nq rows of the field's element type, row-major. */
export type QueryVectors = Float32Array | Uint8Array | Int8Array | Uint16Array;

export interface IndexSearchParams {
  /** Rows the index may return; absent means every row. */
  readonly allow?: Bitset;
  /** Index-specific search params from the request (`ef`, `nprobe`, ...). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Range search: keep only hits inside (radius, range_filter] in the metric's order. */
  readonly radius?: number;
  readonly rangeFilter?: number;
}

/** k results per query, best first; unused slots have row -1 and distance NaN. */
export interface TopK {
  readonly nq: number;
  readonly k: number;
  readonly rows: Int32Array;
  readonly distances: Float32Array;
}

/**
 * What an index's code scan found for one search, before anything is read (`candidates`): per
 * query its candidates' approximate distances, best first. Opaque beyond these fields: only the
 * index that made it reads the rest.
 */
export interface SearchCandidates {
  /**
   * Per query, the candidates' approximate distances, ascending (smaller is closer: IP and
   * COSINE negated). They estimate the same true distance in every index of a field and metric,
   * so they compare across segments. Undefined for a query that re-ranks every allowed row (a
   * selective filter: exact over the survivors), which takes no part in a cut.
   */
  readonly approx: readonly (Float32Array | undefined)[];
  /** Candidates one query re-ranks when this index answers alone (ceil(k × refine_k); more for range search). */
  readonly want: number;
}

/** A share of a cut across indexes: per query, how many of `candidates`' best to re-rank. */
export interface CandidateCut {
  readonly candidates: SearchCandidates;
  /** nq counts; a count beyond a query's candidates keeps them all. */
  readonly keep: Int32Array;
}

export interface VectorIndex {
  readonly indexType: string;
  readonly metricType: MetricType;
  readonly dim: number;
  /** Number of rows the index covers. */
  readonly count: number;
  search(queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams): TopK;
  /**
   * Indexes that read part of their data by range (IVF_PQ's re-rank vectors): reads what
   * `search` with the same arguments needs and holds it until the returned release is called.
   * Callers await it, then call `search` synchronously. Absent: `search` never reads. With a
   * `cut` (of what `candidates` returned for the same arguments), `search` re-ranks only the
   * candidates it keeps.
   */
  prepareSearch?(queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams, cut?: CandidateCut): Promise<() => void>;
  /**
   * Indexes that re-rank approximate candidates by range (IVF_PQ): phase one of `prepareSearch`
   * alone — the code scan, nothing read. A caller searching several such indexes of one field
   * cuts their candidates together (the best `want` across them, per query) and hands each its
   * share as `prepareSearch`'s `cut`: one re-rank across segments instead of one per segment.
   * Undefined (nothing scanned) from an index that re-ranks its own candidates for this search.
   */
  candidates?(queries: QueryVectors, nq: number, k: number, opts?: IndexSearchParams): SearchCandidates | undefined;
  /**
   * Indexes that keep every row's vector exactly as it was built from (FLAT and HNSW over a
   * FloatVector field with L2 or IP — COSINE rows are normalized, quantized indexes keep codes):
   * copies the listed rows' vectors into `out` (rows.length × dim floats, in order) and returns
   * true; returns false, copying nothing, when this index does not hold them. A sealed segment
   * then serves the field's vectors from the index instead of keeping its own copy.
   */
  copyVectors?(rows: ArrayLike<number>, out: Float32Array): boolean;
  /** Serialized form (versioned; docs/format/) that `open` reads back without rebuilding. */
  serialize(): Uint8Array;
  /** Bytes of memory this index holds (vectors, graph, codebooks). */
  bytesUsed(): number;
  /** Releases WASM memory or other resources. The index is unusable afterwards. */
  dispose?(): void;
}

export interface IndexBuildOptions {
  readonly signal?: AbortSignal;
  /** Called with a fraction in [0, 1] as the build progresses. */
  readonly onProgress?: (fraction: number) => void;
  /**
   * Awaited between build chunks (after each yield to the event loop): a caller that gives
   * foreground work priority holds the build here while that work is busy.
   */
  readonly pause?: () => Promise<void>;
}

export interface VectorIndexFactory {
  readonly indexType: string;
  /** Metrics this index supports. */
  readonly metrics: readonly MetricType[];
  /** Throws PARAMETER_INVALID for bad build params (before any work). */
  validateParams(params: Readonly<Record<string, unknown>>, metric: MetricType): void;
  build(
    vectors: VectorColumn,
    metric: MetricType,
    params: Readonly<Record<string, unknown>>,
    opts?: IndexBuildOptions,
  ): Promise<VectorIndex>;
  open(bytes: Uint8Array): VectorIndex | Promise<VectorIndex>;
  /**
   * Opens an index file by range (reading only its hot sections; the rest is read by searches
   * through the database's block cache). Present for disk-resident types; segment loading uses
   * it instead of reading the whole file.
   */
  openRange?(source: RangeSource): Promise<VectorIndex>;
  /**
   * Opens an index file of a fully resident type by range, in pieces copied straight into the
   * index's own memory: the whole file is read, but never held as one buffer beside the index.
   * Segment loading uses it, when present, instead of reading the whole file first.
   */
  openFrom?(source: RangeSource): Promise<VectorIndex>;
  /**
   * Disk-resident types: the bytes an index of `count` rows of `dim` built with `params` keeps
   * in memory once opened by range (its `bytesUsed` then, search scratch aside) — what a reader
   * is charged for holding it, known without reading the file.
   */
  residentBytes?(count: number, dim: number, params: Readonly<Record<string, unknown>>): number;
}

/** Larger-is-better metrics: IP and COSINE. */
export function isSimilarityMetric(metric: MetricType): boolean {
  return metric === 'IP' || metric === 'COSINE' || metric === 'BM25';
}
