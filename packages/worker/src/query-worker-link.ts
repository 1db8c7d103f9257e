/**
 * QueryWorkerLink: the engine worker's end of ONE query worker (reader-protocol.ts) — starts
 * it, sends it calls, learns when it ends, and starts a new one when the next call needs it.
 *
 * Invariants:
 * - Every call settles: with the reader's answer, its VesperError, or — when the worker ends
 *   first — by running once more on a fresh worker and then, if that one ends too, with
 *   SERVICE_UNAVAILABLE (retriable). A retried call is the same call (same share, same
 *   timestamp), so its answer is the one the first worker would have given.
 * - The link learns of the worker's end however it ends: an `error` event (uncaught error or
 *   a script that failed to load; cancelled here so it never reaches the page as an engine
 *   crash), a `messageerror`, or the Web Lock the reader holds for its life being released
 *   (terminated, crashed, closed itself — no event at all in those cases).
 * - What the reader was sent (info versions, share keys) is forgotten with the worker, so a
 *   fresh worker gets everything in full.
 */
import { VesperError, type VesperErrorJSON } from '@vesper/core';
import type { CollectionInfo, ReplicaAssignment } from '@vesper/core/distributed';
import { randomId } from './call-meta.ts';
import { READER_TAG, isReaderResponse, type ReaderConfig, type ReaderOp, type ReaderResponse } from './reader-protocol.ts';
import type { WorkerLike } from './worker-transport.ts';

/** One collection call for a reader: its share of the sealed segments and what to read at ts. */
export interface ReaderJob {
  readonly op: 'sync' | 'search' | 'query' | 'count' | 'bm25Stats';
  readonly collectionId: number;
  readonly info: CollectionInfo;
  readonly infoV: number;
  readonly share: ReplicaAssignment;
  readonly key: string;
  /** The read plan (search/query/count). */
  readonly request?: unknown;
  readonly ts?: bigint;
}

/** Marks a call lost because its worker ended (retried once by `run`). */
class WorkerEnded extends Error {}

interface Waiter {
  resolve(res: ReaderResponse): void;
  reject(err: unknown): void;
}

export class QueryWorkerLink {
  private worker: WorkerLike | undefined;
  private starting: Promise<WorkerLike> | undefined;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  /** Bumped per worker started, so a late event of an old worker changes nothing. */
  private generation = 0;
  private readonly sentInfo = new Map<number, number>();
  private readonly sentShare = new Map<number, string>();
  private life: AbortController | undefined;
  /** Removes the current worker's listeners. */
  private detach: (() => void) | undefined;
  private closed: VesperError | undefined;
  /** Workers that ended unexpectedly. */
  ended = 0;
  /** Calls run again on a fresh worker after theirs ended. */
  retried = 0;
  /** Starts that failed since the last one that worked. */
  failedStarts = 0;

  constructor(
    readonly index: number,
    private readonly spawn: (index: number) => WorkerLike,
    private readonly config: Omit<ReaderConfig, 'lifeLock'>,
    /** Told when a running worker ends unexpectedly (not when the link closes). */
    private readonly onEnded: (link: QueryWorkerLink, reason: VesperError) => void,
  ) {}

  get running(): boolean {
    return this.worker !== undefined && this.starting === undefined;
  }

  /** Whether the reader may hold segments of the collection (it was sent a non-empty share). */
  mayHold(collectionId: number): boolean {
    const key = this.sentShare.get(collectionId);
    return key !== undefined && key !== '';
  }

  /**
   * Runs a collection call, starting a worker first if none runs; when the worker ends
   * before answering, runs it once more on a fresh one.
   * @throws the reader's VesperError; SERVICE_UNAVAILABLE when no worker could answer.
   */
  async run(job: ReaderJob): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(job);
      } catch (err) {
        if (!(err instanceof WorkerEnded)) throw err;
        if (this.closed !== undefined) throw this.closed;
        if (attempt >= 2) throw new VesperError('SERVICE_UNAVAILABLE', `query worker ${this.index} ended twice while answering a ${job.op}: ${err.message}; retry the call`);
        this.retried++;
      }
    }
  }

  private async runOnce(job: ReaderJob): Promise<unknown> {
    await this.ready();
    for (let full = false; ; full = true) {
      const res = await this.post(job.op, this.argsOf(job, full));
      if (res.error !== undefined) {
        this.sentShare.set(job.collectionId, '?'); // its sync may have failed half-way
        throw VesperError.fromJSON(res.error);
      }
      if (res.resend !== true) return res.value;
      if (full) throw new VesperError('INTERNAL', `query worker ${this.index} asked again for a ${job.op} it was sent in full`);
    }
  }

  private argsOf(job: ReaderJob, full: boolean): unknown[] {
    const c = job.collectionId;
    const info = full || this.sentInfo.get(c) !== job.infoV ? { v: job.infoV, info: job.info } : { v: job.infoV };
    const share = full || this.sentShare.get(c) !== job.key ? { key: job.key, share: job.share } : { key: job.key };
    this.sentInfo.set(c, job.infoV);
    this.sentShare.set(c, job.key);
    return job.op === 'sync' ? [c, info, share] : [c, info, share, job.request, job.ts];
  }

  /** A call outside any collection state (stats, drop); undefined when no worker runs. */
  async call(op: Extract<ReaderOp, 'stats' | 'drop'>, args: unknown[]): Promise<unknown> {
    if (!this.running) return undefined;
    const res = await this.post(op, args).catch((err: unknown) => {
      if (err instanceof WorkerEnded) return undefined;
      throw err;
    });
    if (res?.error !== undefined) throw VesperError.fromJSON(res.error);
    return res?.value;
  }

  /** Tells the reader to let go of a collection (and forgets what it was sent about it). */
  drop(collectionId: number): void {
    this.sentInfo.delete(collectionId);
    this.sentShare.delete(collectionId);
    void this.call('drop', [collectionId]).catch(() => undefined);
  }

  /** Starts a worker when none runs (resolves once it answered open). */
  ready(): Promise<WorkerLike> {
    if (this.closed !== undefined) return Promise.reject(this.closed);
    if (this.worker !== undefined && this.starting === undefined) return Promise.resolve(this.worker);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async start(): Promise<WorkerLike> {
    const gen = ++this.generation;
    let worker: WorkerLike;
    try {
      worker = this.spawn(this.index);
    } catch (err) {
      this.failedStarts++;
      throw new VesperError('SERVICE_UNAVAILABLE', `cannot start query worker ${this.index}: ${VesperError.wrap(err).message}`);
    }
    const onMessage = (event: Event): void => {
      const res: unknown = (event as MessageEvent).data;
      if (!isReaderResponse(res)) return;
      const w = this.waiting.get(res.id);
      if (w === undefined) return;
      this.waiting.delete(res.id);
      w.resolve(res);
    };
    const onError = (event: Event): void => {
      // a reader's failure must not bubble up to the engine worker's scope (and on to the page)
      event.preventDefault();
      const message = (event as { message?: string }).message ?? 'uncaught error or failed load';
      this.end(gen, new VesperError('SERVICE_UNAVAILABLE', `query worker ${this.index} failed: ${message}`));
    };
    const onMessageError = (): void => this.end(gen, new VesperError('SERVICE_UNAVAILABLE', `query worker ${this.index} sent an answer that could not be read`));
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onMessageError);
    this.detach = () => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onMessageError);
    };
    this.worker = worker;
    const lifeLock = `vesper-reader:${this.config.url}:${randomId()}`;
    try {
      const res = await this.post('open', [{ ...this.config, lifeLock } satisfies ReaderConfig]);
      if (res.error !== undefined) throw VesperError.fromJSON(res.error as VesperErrorJSON);
    } catch (err) {
      this.failedStarts++;
      const reason = err instanceof WorkerEnded ? err.message : VesperError.wrap(err).message;
      this.stop(gen, new VesperError('SERVICE_UNAVAILABLE', `query worker ${this.index} did not start: ${reason}`));
      throw new VesperError('SERVICE_UNAVAILABLE', `query worker ${this.index} did not start: ${reason}`);
    }
    this.failedStarts = 0;
    this.watchLife(gen, lifeLock);
    return worker;
  }

  /** Waits for the reader's life lock: granted only once the reader has ended. */
  private watchLife(gen: number, name: string): void {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (locks === undefined) return;
    const life = new AbortController();
    this.life = life;
    locks
      .request(name, { signal: life.signal }, () => {
        this.end(gen, new VesperError('SERVICE_UNAVAILABLE', `query worker ${this.index} ended`));
      })
      .catch(() => undefined); // aborted: the link stopped it itself
  }

  private post(op: ReaderOp, args: readonly unknown[]): Promise<ReaderResponse> {
    const worker = this.worker;
    if (worker === undefined) return Promise.reject(new WorkerEnded(`query worker ${this.index} is not running`));
    return new Promise<ReaderResponse>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      try {
        worker.postMessage({ tag: READER_TAG, id, op, args }, []);
      } catch (err) {
        this.waiting.delete(id);
        reject(VesperError.wrap(err));
      }
    });
  }

  /** The worker of generation `gen` ended on its own: stop it and tell the pool. */
  private end(gen: number, reason: VesperError): void {
    if (gen !== this.generation || this.worker === undefined) return;
    this.ended++;
    this.stop(gen, reason);
    if (this.closed === undefined) this.onEnded(this, reason);
  }

  /** Terminates the worker of generation `gen`; its calls fail with WorkerEnded. */
  private stop(gen: number, reason: VesperError): void {
    if (gen !== this.generation || this.worker === undefined) return;
    const worker = this.worker;
    this.worker = undefined;
    this.detach?.();
    this.detach = undefined;
    this.life?.abort();
    this.life = undefined;
    worker.terminate();
    this.sentInfo.clear();
    this.sentShare.clear();
    const lost = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of lost) w.reject(new WorkerEnded(reason.message));
  }

  /** Ends the worker for good; pending and later calls reject with `reason`. */
  close(reason: VesperError): void {
    if (this.closed !== undefined) return;
    this.closed = reason;
    this.stop(this.generation, reason);
  }
}
