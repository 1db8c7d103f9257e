/**
 * Engine calls across the Durable Object RPC boundary. Errors travel as data
 * (`{ok:false, error: VesperErrorJSON}`) and are rebuilt with VesperError.fromJSON on the
 * caller's side: DO RPC's default error serialization keeps neither the code nor the kind.
 */
import { VesperError, type VesperErrorJSON } from '@vesper/core';

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
}
