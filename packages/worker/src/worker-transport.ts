/**
 * WorkerTransport: the page side of `@vesper/worker` — a core Transport that forwards each
 * (method, request) to the engine worker over comlink, so `new VesperClient(transport)` has
 * the same API as in-process.
 *
 * Invariants: every failure arrives as a VesperError with its code (the worker resolves
 * failures as data, see protocol.ts); when the worker dies or is terminated, every pending
 * call rejects with SERVICE_UNAVAILABLE instead of hanging, and a call that had not been
 * acknowledged may or may not have been applied (exactly as with a crashed server).
 */
import { releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { VesperError, type Transport } from '@vesper/core';
import { registerVesperErrorTransfer } from './error-transfer.ts';
import type { EngineApi, EngineConfig } from './protocol.ts';
import { vectorBuffers } from './vector-transfer.ts';

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

export class WorkerTransport implements Transport {
  private readonly remote: Remote<EngineApi>;
  private readonly pending = new Set<(err: VesperError) => void>();
  private dead: VesperError | undefined;
  private readonly onError = (event: Event): void => {
    const message = (event as { message?: string }).message ?? 'the engine worker failed to start or crashed';
    this.fail(new VesperError('SERVICE_UNAVAILABLE', `engine worker error: ${message}`));
  };

  constructor(
    private readonly worker: WorkerLike,
    private readonly options: WorkerTransportOptions = {},
  ) {
    registerVesperErrorTransfer();
    this.remote = wrap<EngineApi>(worker as unknown as Parameters<typeof wrap>[0]);
    worker.addEventListener('error', this.onError);
  }

  /**
   * Opens the database in the worker.
   * @throws the worker's VesperError (PARAMETER_INVALID bad URL, IO_FAILED, ...).
   */
  async open(config: EngineConfig): Promise<void> {
    const err = await this.track(() => this.remote.open(config));
    if (err !== undefined) throw err;
  }

  async call(method: string, request: unknown): Promise<unknown> {
    const buffers = this.options.transferVectors === true ? vectorBuffers(request) : [];
    const out = await this.track(() => this.remote.handle(method, buffers.length > 0 ? transfer(request, buffers) : request));
    if (out instanceof VesperError) throw out;
    return out;
  }

  /** Closes the engine (its storage too) and ends the worker. */
  async close(): Promise<void> {
    if (this.dead !== undefined) return;
    try {
      const err = await this.track(() => this.remote.close());
      if (err !== undefined) throw err;
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
    this.remote[releaseProxy]();
    this.fail(reason);
  }

  private fail(reason: VesperError): void {
    this.dead ??= reason;
    for (const reject of this.pending) reject(reason);
    this.pending.clear();
  }

  /** Runs a remote call that rejects with the death reason if the worker goes away first. */
  private track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      const onDeath = (err: VesperError): void => reject(err);
      this.pending.add(onDeath);
      fn().then(
        (value) => {
          this.pending.delete(onDeath);
          resolve(value);
        },
        (err: unknown) => {
          this.pending.delete(onDeath);
          reject(VesperError.wrap(err));
        },
      );
    });
  }
}
