/**
 * Engine calls across the Durable Object RPC boundary. Errors travel as data
 * (`{ok:false, error: VesperErrorJSON}`) and are rebuilt with VesperError.fromJSON on the
 * caller's side: DO RPC's default error serialization keeps neither the code nor the kind.
 */
import { VesperError, type EngineMethod, type EngineResponse, type VesperErrorJSON } from '@vesper/core';

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

/** What the REST layer needs of one database's engine: `ProxyNode.handle`, wherever it runs. */
export interface Engine {
  /** @throws VesperError with the engine's Milvus code. */
  call(method: string, request: Record<string, unknown>): Promise<unknown>;
  /** Durable Object calls made so far by this engine's requests (answered in header `Vesper-DO-Calls`). */
  doCalls?(): number;
  /** The id of the collection this engine's last read began on (undefined: unknown). */
  readCollectionId?(): string | undefined;
}

/**
 * One ProxyNode method through an Engine, its response typed from the task that answers it
 * (core's engine-api.ts): the REST layer reads responses through these types instead of
 * re-declaring them. Requests stay loosely typed: REST builds them from bodies and the engine
 * checks them.
 */
export async function engineCall<M extends EngineMethod>(engine: Engine, method: M, request: Record<string, unknown>): Promise<EngineResponse<M>> {
  return (await engine.call(method, request)) as EngineResponse<M>;
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
