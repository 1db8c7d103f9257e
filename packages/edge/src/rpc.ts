/**
 * Engine calls across the Durable Object RPC boundary. Errors travel as data
 * (`{ok:false, error: VesperErrorJSON}`) and are rebuilt with VesperError.fromJSON on the
 * caller's side: DO RPC's default error serialization keeps neither the code nor the kind.
 */
import { VesperError, isEngineMethod, showValue, type EngineMethod, type EngineResponse, type VesperErrorJSON } from '@vesper/core';
import type { ImportJob } from './import/import-job.ts';

export type RpcResult<T = unknown> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: VesperErrorJSON };

/** Runs fn and turns its outcome, success or failure, into data. */
export async function asResult<T>(fn: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (e) {
    return { ok: false, error: VesperError.wrap(e).toJSON() };
  }
}

/** The value of a result, or its error thrown again as a VesperError. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.data;
  throw VesperError.fromJSON(result.error);
}

/**
 * The calls the edge answers beside the engine's: a database's import jobs, run by its
 * CatalogCoordinator (import/import-jobs.ts). Name → response.
 */
export interface ImportCalls {
  readonly importCreate: { readonly jobId: string };
  readonly importList: ImportJob[];
  readonly importProgress: ImportJob;
}

/** Every method an edge Engine answers: core's engine methods and the import-job calls. */
export type EdgeMethod = EngineMethod | keyof ImportCalls;

/** What method M answers: core's task response (engine-api.ts), or the import call's. */
export type EdgeResponse<M extends EdgeMethod> = M extends EngineMethod ? EngineResponse<M> : M extends keyof ImportCalls ? ImportCalls[M] : never;

const IMPORT_METHODS: { readonly [M in keyof ImportCalls]: true } = { importCreate: true, importList: true, importProgress: true };

/** Whether `method` names an import-job call (an own key). */
export function isImportMethod(method: string): method is keyof ImportCalls {
  return Object.prototype.hasOwnProperty.call(IMPORT_METHODS, method);
}

/**
 * `method` as an EdgeMethod, checked: names that arrive as data (a DO RPC, a replica's
 * forwarded write) are checked before they are dispatched.
 * @throws UNIMPLEMENTED naming a method neither core nor the edge answers.
 */
export function edgeMethod(method: string): EdgeMethod {
  if (isEngineMethod(method) || isImportMethod(method)) return method;
  throw new VesperError('UNIMPLEMENTED', `unknown method ${showValue(method)}`);
}

/** A request as the REST layer builds it: from a JSON body, checked by the engine that runs it. */
export type EngineRequestBody = Record<string, unknown>;

/** The reads an Engine answers unrendered too (`Engine.read`). */
export type RawReadMethod = 'search' | 'hybridSearch' | 'query' | 'get';

/** A search hit before rendering: its output row in engine values and its score (distance, or a hybrid search's fused score). */
export interface RawHit {
  readonly row: Record<string, unknown>;
  readonly score: number;
}

/** A search or hybrid search before rendering: the hits of each query vector, best first. */
export interface RawHits {
  readonly hits: readonly (readonly RawHit[])[];
}

/** A query or get before rendering: its rows (a count's one `count(*)` row), in order. */
export interface RawRows {
  readonly rows: readonly Record<string, unknown>[];
}

/** What `Engine.read(M)` answers. */
export type RawRead<M extends RawReadMethod> = M extends 'search' | 'hybridSearch' ? RawHits : RawRows;

/**
 * What the REST layer needs of one database's engine: `ProxyNode.handle`, wherever it runs.
 * Responses are typed from the task that answers each method (core's engine-api.ts), so the
 * edge declares none of its own; requests are JSON-built and checked by the engine.
 */
export interface Engine {
  /** @throws VesperError with the engine's Milvus code. */
  call<M extends EdgeMethod>(method: M, request: EngineRequestBody): Promise<EdgeResponse<M>>;
  /**
   * The read `call(method, request)` runs, answered before rendering: rows in engine values
   * (Int64 as bigint, binary vectors as bytes, sparse vectors as SparseVector), so the REST
   * layer renders each row once, in its own form (rest/row-render.ts), instead of undoing the
   * SDK's rendering (ids, scores, Int64 as text) first.
   * @throws VesperError with the engine's Milvus code.
   */
  read<M extends RawReadMethod>(method: M, request: EngineRequestBody): Promise<RawRead<M>>;
  /** Durable Object calls made so far by this engine's requests (answered in header `Vesper-DO-Calls`). */
  doCalls?(): number;
  /** The id of the collection this engine's last read began on (undefined: unknown). */
  readCollectionId?(): string | undefined;
}

/**
 * Calls another Durable Object and unwraps its result. A throw (rather than an error returned
 * as data) means the DO was reset, evicted or overloaded mid-call: whether the call took
 * effect is unknown, so it becomes a retriable SERVICE_UNAVAILABLE naming `what`.
 */
export async function reach<T>(what: string, fn: () => Promise<unknown>): Promise<T> {
  let result: RpcResult<T>;
  try {
    // DO RPC's stub types lose precision on these plain-data results; the shape is ours.
    result = (await fn()) as RpcResult<T>;
  } catch (e) {
    throw new VesperError('SERVICE_UNAVAILABLE', `${what} was unavailable (${(e as Error).message}); retry the request`);
  }
  return unwrap(result);
}
