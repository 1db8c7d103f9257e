/**
 * WorkerTransport: the page side of `@vesper/worker` — a core Transport that forwards each
 * (method, request) to the engine worker over the wire protocol (wire.ts: one postMessage
 * per call, answers matched by id), so `new VesperClient(transport)` has the same API as
 * in-process. Insert/upsert rows travel packed as columns with their vectors in one
 * transferred buffer (row-packing.ts); the caller's arrays are left intact.
 *
 * Invariants: every failure arrives as a VesperError with its code (the worker resolves
 * failures as data, see protocol.ts); when the worker dies or is terminated, every pending
 * call rejects with SERVICE_UNAVAILABLE instead of hanging, and a call that had not been
 * acknowledged may or may not have been applied (exactly as with a crashed server) — a
 * write's SERVICE_UNAVAILABLE carries its `request_id`, and retrying with that id is safe.
 * A call whose AbortSignal fires rejects at once with CANCELLED and is cancelled in the
 * worker (not started if still queued; its result dropped if running).
 */
import { VesperError, type Transport } from '@vesper/core';
import { randomId, splitCallMeta, type CallMeta } from './call-meta.ts';
import type { EngineConfig, WorkerLink, WorkerMethod, WorkerRequest, WorkerResponse } from './protocol.ts';
import { packRowsRequest } from './row-packing.ts';
import { compactViews, vectorBuffers } from './vector-transfer.ts';
import { WIRE_TAG, isWireResponse, type WireOp, type WireRequest } from './wire.ts';

/** What a Worker offers the transport (structural, so both DOM and WebWorker types fit). */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
  terminate(): void;
}

export interface WorkerTransportOptions {
  /**
   * Transfer (zero-copy) the ArrayBuffers behind typed arrays in requests — Float32Array
   * vectors of inserts and searches. They are detached on the page afterwards. Default false.
   */
  readonly transferVectors?: boolean;
}

/** A posted call's settlement: the answer, or the error it rejects with (death decorated with the request id). */
interface Waiter {
  resolve(value: unknown): void;
  reject(err: VesperError): void;
}

/** How one posted call may end early: its AbortSignal, and the ids a cancel or a death names. */
interface SendOptions {
  readonly signal?: AbortSignal | undefined;
  readonly callId?: string | undefined;
  readonly requestId?: string | undefined;
}

export class WorkerTransport implements Transport, WorkerLink {
  /** Calls posted to the worker and not yet answered, by wire id. */
  private readonly inFlight = new Map<number, Waiter>();
  private nextId = 1;
  private readonly onMessage = (event: Event): void => {
    const res: unknown = (event as MessageEvent).data;
    if (!isWireResponse(res)) return;
    const waiter = this.inFlight.get(res.id);
    if (waiter === undefined) return;
    this.inFlight.delete(res.id);
    if (res.error === undefined) waiter.resolve(res.value);
    else waiter.reject(VesperError.fromJSON(res.error));
  };
  private dead: VesperError | undefined;
  private readonly deathListeners = new Set<(reason: VesperError) => void>();
  private readonly onError = (event: Event): void => {
    const message = (event as { message?: string }).message ?? 'the engine worker failed to start or crashed';
    this.fail(new VesperError('SERVICE_UNAVAILABLE', `engine worker error: ${message}`));
  };

  constructor(
    private readonly worker: WorkerLike,
    private readonly options: WorkerTransportOptions = {},
  ) {
    worker.addEventListener('message', this.onMessage);
    worker.addEventListener('error', this.onError);
  }

  /**
   * Posts one wire request: one promise per call, settled by its answer (a VesperError answer
   * rejects), by the worker's death (SERVICE_UNAVAILABLE, with the request id of a write) or by
   * the signal (CANCELLED; the worker is told to cancel the call).
   */
  private send(op: WireOp, args: readonly unknown[], transfer: Transferable[] = [], opts: SendOptions = {}): Promise<unknown> {
    const { signal, callId, requestId } = opts;
    if (this.dead !== undefined) return Promise.reject(withRequestId(this.dead, requestId));
    if (signal?.aborted === true) return Promise.reject(cancelled(callId));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      let waiter: Waiter = { resolve, reject };
      if (signal !== undefined || requestId !== undefined) {
        const onAbort = (): void => {
          this.inFlight.delete(id);
          if (callId !== undefined) void this.cancel(callId);
          reject(cancelled(callId));
        };
        const done = (): void => signal?.removeEventListener('abort', onAbort);
        signal?.addEventListener('abort', onAbort, { once: true });
        waiter = {
          resolve: (value) => (done(), resolve(value)),
          // an answered error is the engine's; a death (this.dead) carries the write's request id
          reject: (err) => (done(), reject(err === this.dead ? withRequestId(err, requestId) : err)),
        };
      }
      this.inFlight.set(id, waiter);
      try {
        this.worker.postMessage({ tag: WIRE_TAG, id, op, args } satisfies WireRequest, transfer);
      } catch (err) {
        this.inFlight.delete(id);
        waiter.reject(VesperError.wrap(err));
      }
    });
  }

  /**
   * Opens the database in the worker.
   * @throws the worker's VesperError (PARAMETER_INVALID bad URL, IO_FAILED, ...).
   */
  async open(config: EngineConfig): Promise<void> {
    await this.send('open', [config]);
  }

  /**
   * Runs (method, request) in the worker. `signal` and `request_id` on the request are call
   * metadata (see call-meta.ts); `meta` is for callers that split them off already.
   * @throws the engine's VesperError; CANCELLED when the signal fires; SERVICE_UNAVAILABLE
   *   (with details.request_id for writes) when the worker dies first.
   */
  call<M extends WorkerMethod>(method: M, request: WorkerRequest<M>, meta?: CallMeta & { signal?: AbortSignal }): Promise<WorkerResponse<M>> {
    try {
      const split = meta === undefined ? splitCallMeta(method, request) : { ...meta, request };
      const { signal } = split;
      const callId = split.callId ?? (signal !== undefined ? randomId() : undefined);
      // the wire carries call metadata only when there is some (a plain read sends none)
      const wire: CallMeta | undefined =
        callId === undefined && split.requestId === undefined && split.retry !== true
          ? undefined
          : { ...(callId === undefined ? {} : { callId }), ...(split.requestId === undefined ? {} : { requestId: split.requestId }), ...(split.retry === true ? { retry: true } : {}) };
      const packed = packRowsRequest(method, split.request);
      const body = packed?.request ?? compactViews(split.request);
      const buffers = packed?.transfer ?? (this.options.transferVectors === true ? vectorBuffers(body) : []);
      const args = wire === undefined ? [method, body] : [method, body, wire];
      return this.send('handle', args, buffers, { signal, callId, requestId: split.requestId }) as Promise<WorkerResponse<M>>;
    } catch (err) {
      return Promise.reject(VesperError.wrap(err));
    }
  }

  /** Cancels a call by its call id (see EngineApi.cancel). */
  async cancel(callId: string): Promise<void> {
    if (this.dead === undefined) await this.send('cancel', [callId]).catch(() => undefined);
  }

  /** True once the worker is gone (closed, terminated or crashed). */
  get isDead(): boolean {
    return this.dead !== undefined;
  }

  /** Calls listener once when the worker goes away (at once if it already has). */
  onDeath(listener: (reason: VesperError) => void): void {
    if (this.dead !== undefined) listener(this.dead);
    else this.deathListeners.add(listener);
  }

  /** Closes the engine (its storage too) and ends the worker. */
  async close(): Promise<void> {
    if (this.dead !== undefined) return;
    try {
      await this.send('close', []);
    } finally {
      this.shutdown(new VesperError('SERVICE_UNAVAILABLE', 'the database is closed'));
    }
  }

  /** Ends the worker at once, as a crash would: pending calls reject, nothing is flushed. */
  terminate(): void {
    this.shutdown(new VesperError('SERVICE_UNAVAILABLE', 'the engine worker was terminated'));
  }

  private shutdown(reason: VesperError): void {
    if (this.dead !== undefined) return;
    this.worker.terminate();
    this.worker.removeEventListener('error', this.onError);
    this.worker.removeEventListener('message', this.onMessage);
    this.fail(reason);
  }

  /** The worker is gone: every pending call rejects with reason, and so does every later one. */
  private fail(reason: VesperError): void {
    const first = this.dead === undefined;
    this.dead ??= reason;
    const waiting = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const waiter of waiting) waiter.reject(this.dead);
    if (first) for (const listener of this.deathListeners) listener(reason);
    this.deathListeners.clear();
  }
}

/** A death as a write sees it: with the request id it may be retried under. */
function withRequestId(err: VesperError, requestId: string | undefined): VesperError {
  return requestId === undefined ? err : new VesperError(err.error, err.message, { ...err.details, request_id: requestId });
}

function cancelled(callId: string | undefined): VesperError {
  return new VesperError('CANCELLED', 'the call was cancelled by its AbortSignal', callId === undefined ? undefined : { call_id: callId });
}
