/**
 * What travels beside a (method, request) pair but is not part of the Milvus request: the
 * caller's AbortSignal (page-side only), a call id the page can cancel by, and a write's
 * request id — the idempotency key a leader uses to dedupe a retried write (a write whose
 * leader died before answering may have been applied; retrying with the same id is safe).
 *
 * Callers put `signal` and `request_id` on the request object itself (the VesperClient
 * forwards unknown fields untouched); `splitCallMeta` takes them off before the request is
 * posted, so the engine never sees them.
 */

/** Write methods whose application is recorded under their request id. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['insert', 'upsert', 'restoreRows', 'delete']);

export interface CallMeta {
  /** Id the caller cancels by (set by the transport). */
  readonly callId?: string;
  /** Idempotency key of a write. */
  readonly requestId?: string;
  /** True when the caller supplied requestId itself, so this may be a retry worth looking up. */
  readonly retry?: boolean;
}

export interface SplitCall extends CallMeta {
  readonly request: unknown;
  readonly signal?: AbortSignal;
}

/** A fresh random id (22 base-36 characters). */
export function randomId(): string {
  const words = crypto.getRandomValues(new Uint32Array(4));
  return Array.from(words, (w) => w.toString(36).padStart(7, '0')).join('').slice(0, 22);
}

/**
 * Takes `signal` and `request_id` off a request; gives writes a fresh request id when the
 * caller supplied none.
 */
export function splitCallMeta(method: string, request: unknown): SplitCall {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return { request };
  // a plain read (no signal, no request id): the request itself, nothing copied
  if (!('signal' in request) && !('request_id' in request) && !WRITE_METHODS.has(method)) return { request };
  const { signal, request_id: given, ...rest } = request as { signal?: unknown; request_id?: unknown };
  const out: { request: unknown; signal?: AbortSignal; requestId?: string; retry?: boolean } = {
    request: signal === undefined && given === undefined ? request : rest,
  };
  if (signal instanceof AbortSignal) out.signal = signal;
  if (typeof given === 'string' && given !== '') {
    out.requestId = given;
    out.retry = true;
  } else if (WRITE_METHODS.has(method)) {
    out.requestId = randomId();
  }
  return out;
}
