/**
 * One interface over the places a demo collection can live: this browser (the engine in a
 * worker over OPFS, `@vesper/browser`), an edge endpoint speaking Milvus REST v2, and a local
 * replica of an edge collection (reads in the tab, writes forwarded). Every panel talks to a
 * Backend only, so each works on all three. Requests use Milvus's names (snake
 * case as in the Node SDK); the edge backend translates them to REST v2's camelCase bodies.
 * Errors are thrown as BackendError with Milvus's numeric code and message, whichever side.
 */

export type Row = Record<string, unknown>;
export type Consistency = 'Strong' | 'Bounded' | 'Session' | 'Eventually';

export interface FieldSpec {
  readonly name: string;
  /** Milvus data type name: Int64, VarChar, FloatVector, Double, Bool, JSON, ... */
  readonly type: string;
  readonly dim?: number;
  readonly maxLength?: number;
  readonly primary?: boolean;
  readonly autoId?: boolean;
  /** VarChar only: tokenized by the standard analyzer, for a BM25 function to read. */
  readonly analyzer?: boolean;
}

export interface IndexSpec {
  readonly indexType: string;
  readonly metric: string;
  readonly params: Record<string, number>;
}

export interface CollectionSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly index: IndexSpec;
  /** Full-text search: a Milvus BM25 function from an analyzed VarChar field to a SparseFloatVector field (indexed SPARSE_INVERTED_INDEX, metric BM25). */
  readonly bm25?: { readonly input: string; readonly output: string };
}

export interface CollectionInfo {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly pk: string;
  readonly vectorField: string;
  /** The BM25 function's SparseFloatVector output field, if the collection has one (searched by text). */
  readonly textSearchField: string | undefined;
  readonly dim: number;
  readonly index: { readonly indexType: string; readonly metric: string; readonly params: Record<string, string>; readonly indexedRows: number; readonly totalRows: number } | undefined;
  readonly rows: number;
}

export interface SearchOptions {
  /** A dense query vector, or the query text when `annsField` is a BM25 function's output. */
  readonly vector: readonly number[] | string;
  /** The vector field searched (needed once a collection has more than one). */
  readonly annsField?: string;
  readonly limit: number;
  readonly filter?: string;
  readonly params?: Record<string, number>;
  readonly consistency?: Consistency;
  readonly outputFields?: readonly string[];
}

/** One sub-search of a hybrid search: a dense vector, or words for a BM25 function's output field. */
export interface SubSearch {
  readonly vector: readonly number[] | string;
  readonly annsField: string;
  readonly params?: Record<string, number>;
}

/** How a hybrid search fuses its sub-searches' ranked lists (Milvus's RRF and weighted rerankers). */
export type Rerank = { readonly strategy: 'rrf'; readonly k: number } | { readonly strategy: 'weighted'; readonly weights: readonly number[] };

export interface HybridOptions {
  readonly subs: readonly SubSearch[];
  readonly rerank: Rerank;
  /** Hits kept from each sub-search and after fusing. */
  readonly limit: number;
  /** Applied to every sub-search. */
  readonly filter?: string;
  readonly consistency?: Consistency;
  readonly outputFields?: readonly string[];
}

/** The rerank object as Milvus takes it (the SDK and REST v2 alike). */
export function rerankBody(r: Rerank): { strategy: 'rrf' | 'weighted'; params: { k?: number; weights?: number[] } } {
  return r.strategy === 'rrf' ? { strategy: 'rrf', params: { k: r.k } } : { strategy: 'weighted', params: { weights: [...r.weights] } };
}

export interface Hit {
  readonly id: unknown;
  /** Milvus's score: similarity for COSINE/IP (higher is nearer), distance for L2. */
  readonly score: number;
  readonly fields: Row;
}

/** A call's answer and how long it took as seen from the page (and from the server, if it says). */
export interface Timed<T> {
  readonly value: T;
  readonly clientMs: number;
  /** Time the server reports for the call; undefined when it reports none. */
  readonly serverMs: number | undefined;
}

export class BackendError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface Backend {
  /** 'browser', 'edge' or 'replica' (of an edge collection: no DDL, writes forwarded). */
  readonly kind: 'browser' | 'edge' | 'replica';
  /** What the page shows as "answered by". */
  readonly label: string;
  listCollections(): Promise<string[]>;
  describe(name: string): Promise<CollectionInfo>;
  create(spec: CollectionSpec): Promise<void>;
  drop(name: string): Promise<void>;
  /** Loads the collection for search (a no-op when it is loaded). */
  load(name: string): Promise<void>;
  insert(name: string, rows: Row[], onProgress?: (done: number, total: number) => void): Promise<number>;
  upsert(name: string, rows: Row[]): Promise<number>;
  deleteByIds(name: string, ids: readonly unknown[]): Promise<number>;
  /** Seals growing data so the index covers it, and waits until the index is built. */
  flushAndIndex(name: string, onProgress?: (indexed: number, total: number) => void): Promise<void>;
  count(name: string, consistency?: Consistency): Promise<number>;
  query(name: string, opts: { filter: string; offset: number; limit: number; outputFields: readonly string[]; consistency?: Consistency }): Promise<Timed<Row[]>>;
  /**
   * Every row matching filter, in primary-key order, `batchSize` rows at a time (each batch
   * continues after the last key): past the 16,384-row window one query may return.
   */
  scan(name: string, opts: { filter: string; outputFields: readonly string[]; batchSize: number }): AsyncIterable<Row[]>;
  get(name: string, ids: readonly unknown[], outputFields: readonly string[]): Promise<Row[]>;
  search(name: string, opts: SearchOptions): Promise<Timed<Hit[]>>;
  /** Milvus's hybrid search: the sub-searches run, their ranked lists fused by the reranker. */
  hybridSearch(name: string, opts: HybridOptions): Promise<Timed<Hit[]>>;
  /**
   * The request id of the last write when it was queued instead of applied (a replica whose
   * server is unreachable); undefined when it was applied. Backends that always apply omit it.
   */
  readonly lastWriteQueued?: string | undefined;
  close(): Promise<void>;
}

/** Turns whatever a call threw into a BackendError (Vesper errors carry Milvus's numeric code). */
export function toBackendError(err: unknown): BackendError {
  if (err instanceof BackendError) return err;
  const e = err as { code?: unknown; errorCode?: unknown; message?: unknown };
  const numeric = typeof e?.code === 'number' ? e.code : typeof e?.errorCode === 'number' ? e.errorCode : 0;
  return new BackendError(numeric, typeof e?.message === 'string' ? e.message : String(err));
}
