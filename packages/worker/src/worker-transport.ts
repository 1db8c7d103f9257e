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
import { vectorBuffers } from './vector-transfer.ts';
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

export class WorkerTransport implements Transport, WorkerLink {
  /** Calls posted to the worker and not yet answered, by wire id. */
  private readonly inFlight = new Map<number, { resolve(value: unknown): void; reject(err: unknown): void }>();
  private nextId = 1;
  private readonly onMessage = (event: Event): void => {
    const res: unknown = (event as MessageEvent).data;
    if (!isWireResponse(res)) return;
    const waiter = this.inFlight.get(res.id);
    if (waiter === undefined) return;
    this.inFlight.delete(res.id);
    waiter.resolve(res.error === undefined ? res.value : VesperError.fromJSON(res.error));
  };
  private readonly pending = new Set<(err: VesperError) => void>();
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

  /** Posts one wire request; resolves with its value or the VesperError it answered with. */
  private send(op: WireOp, args: readonly unknown[], transfer: Transferable[] = []): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.inFlight.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ tag: WIRE_TAG, id, op, args } satisfies WireRequest, transfer);
      } catch (err) {
        this.inFlight.delete(id);
        reject(err);
      }
    });
  }

  /**
   * Opens the database in the worker.
   * @throws the worker's VesperError (PARAMETER_INVALID bad URL, IO_FAILED, ...).
   */
  async open(config: EngineConfig): Promise<void> {
    const err = await this.track(() => this.send('open', [config]));
    if (err instanceof VesperError) throw err;
  }

  /**
   * Runs (method, request) in the worker. `signal` and `request_id` on the request are call
   * metadata (see call-meta.ts); `meta` is for callers that split them off already.
   * @throws the engine's VesperError; CANCELLED when the signal fires; SERVICE_UNAVAILABLE
   *   (with details.request_id for writes) when the worker dies first.
   */
  async call<M extends WorkerMethod>(method: M, request: WorkerRequest<M>, meta?: CallMeta & { signal?: AbortSignal }): Promise<WorkerResponse<M>> {
    const split = meta === undefined ? splitCallMeta(method, request) : { ...meta, request };
    const { signal } = split;
    const callId = split.callId ?? (signal !== undefined ? randomId() : undefined);
    const wire: CallMeta = {
      ...(callId === undefined ? {} : { callId }),
      ...(split.requestId === undefined ? {} : { requestId: split.requestId }),
      ...(split.retry === true ? { retry: true } : {}),
    };
    const packed = packRowsRequest(method, split.request);
    const body = packed?.request ?? split.request;
    const buffers = packed?.transfer ?? (this.options.transferVectors === true ? vectorBuffers(body) : []);
    const out = await this.track(() => this.send('handle', [method, body, wire], buffers), signal, callId, split.requestId);
    if (out instanceof VesperError) throw out;
    return out as WorkerResponse<M>;
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
      const err = await this.track(() => this.send('close', []));
      if (err instanceof VesperError) throw err;
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
    for (const waiter of this.inFlight.values()) waiter.reject(reason);
    this.inFlight.clear();
    this.fail(reason);
  }

  private fail(reason: VesperError): void {
    const first = this.dead === undefined;
    this.dead ??= reason;
    for (const reject of this.pending) reject(reason);
    this.pending.clear();
    if (first) for (const listener of this.deathListeners) listener(reason);
    this.deathListeners.clear();
  }

  /** Runs a remote call that rejects if the worker goes away first, or the signal fires. */
  private track<T>(fn: () => Promise<T>, signal?: AbortSignal, callId?: string, requestId?: string): Promise<T> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    if (signal?.aborted === true) return Promise.reject(cancelled(callId));
    return new Promise<T>((resolve, reject) => {
      const onDeath = (err: VesperError): void => {
        signal?.removeEventListener('abort', onAbort);
        reject(requestId === undefined ? err : new VesperError(err.error, err.message, { ...err.details, request_id: requestId }));
      };
      const onAbort = (): void => {
        this.pending.delete(onDeath);
        if (callId !== undefined) void this.cancel(callId);
        reject(cancelled(callId));
      };
      this.pending.add(onDeath);
      signal?.addEventListener('abort', onAbort, { once: true });
      fn().then(
        (value) => {
          this.pending.delete(onDeath);
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (err: unknown) => {
          this.pending.delete(onDeath);
          signal?.removeEventListener('abort', onAbort);
          reject(VesperError.wrap(err));
        },
      );
    });
  }
}

function cancelled(callId: string | undefined): VesperError {
  return new VesperError('CANCELLED', 'the call was cancelled by its AbortSignal', callId === undefined ? undefined : { call_id: callId });
}
