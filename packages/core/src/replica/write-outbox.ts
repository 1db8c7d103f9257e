/**
 * WriteOutbox: the writes a local replica forwards to its server (`insert`, `upsert`,
 * `delete`), in the order they were made, each exactly once.
 *
 * Every write is first recorded durably (under the caller's `request_id` when it gives one: a
 * retry of a write whose answer was lost, e.g. with the tab that forwarded it) in the replica's MetaStore (IndexedDB in the browser,
 * a file in Node) under a fresh request id, then the outbox is drained in order: each entry
 * goes to the server's `write` endpoint with its id; the server's shard leaders record the id
 * with the write's WAL append, so a retry after a lost answer (or a crash before the entry
 * was removed) is answered with the first attempt's result instead of writing twice.
 *
 * - Online: the write's promise resolves with the server's answer (its timestamp lets a
 *   Session read on the replica wait for it to arrive).
 * - Offline (the server unreachable, or answering a retriable error): the entry stays queued
 *   and, with `offlineWrites: 'queue'` (the default), the write resolves with Milvus's
 *   mutation answer marked `acknowledged: false, queued: true, request_id` (counts 0,
 *   timestamp "0": nothing is applied yet); later drains (every sync, every new
 *   write) send it. With `offlineWrites: 'reject'` it is removed again and the write fails
 *   with SERVICE_UNAVAILABLE.
 * - A queued write the server refuses (a coded, non-retriable error) is removed and reported
 *   to the `onRejected` listeners and in `rejected()`; the writes behind it go on.
 * Reads never see a queued write: the replica shows the server's state only.
 */
import { VesperError } from '../errors/index.ts';
import type { MetaStore } from '../adapters/meta-store.ts';
import { SUCCESS } from '../proxy/task.ts';
import { fromWire, toWire } from './replica-wire.ts';
import { showValue } from '../util/show-value.ts';

export type ForwardedMethod = 'insert' | 'upsert' | 'delete';

/** Sends one forwarded write to the server (replica-transport.ts). */
export type WriteSender = (db: string, collection: string, method: ForwardedMethod, request: Record<string, unknown>, requestId: string) => Promise<unknown>;

/** A queued write the server refused. */
export interface RejectedWrite {
  readonly request_id: string;
  readonly method: ForwardedMethod;
  readonly collection: string;
  readonly code: number;
  readonly message: string;
  /** When the write was made (ms since the epoch). */
  readonly made_at: number;
}

interface Entry {
  readonly id: string;
  readonly db: string;
  readonly collection: string;
  readonly method: ForwardedMethod;
  readonly request: Record<string, unknown>;
  readonly at: number;
}

const PREFIX = 'replica/outbox/';
/** What the server takes as a request id. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Rejected writes kept for `rejected()` (the listeners see every one). */
const KEEP_REJECTED = 100;

export class WriteOutbox {
  private readonly queue: { key: string; entry: Entry }[] = [];
  /** Answers for the writes whose callers wait on them (submit during this session). */
  private readonly answers = new Map<string, unknown>();
  private readonly waiting = new Set<string>();
  private readonly rejectedList: RejectedWrite[] = [];
  private readonly listeners = new Set<(w: RejectedWrite) => void>();
  private next = 0;
  private draining: Promise<void> = Promise.resolve();

  private constructor(
    private readonly meta: MetaStore,
    private readonly send: WriteSender,
    private readonly mode: 'queue' | 'reject',
  ) {}

  /** The outbox of a replica's store, with the writes a previous session left queued. */
  static async open(meta: MetaStore, send: WriteSender, mode: 'queue' | 'reject' = 'queue'): Promise<WriteOutbox> {
    const box = new WriteOutbox(meta, send, mode);
    for (const [key, rec] of await meta.list(PREFIX)) {
      box.queue.push({ key, entry: fromWire(rec.value) as Entry });
      box.next = Math.max(box.next, Number(key.slice(PREFIX.length)) + 1);
    }
    return box;
  }

  /** Writes (to one collection, or to all) not yet acknowledged by the server. */
  pending(collection?: string): number {
    return collection === undefined ? this.queue.length : this.queue.filter((q) => q.entry.collection === collection).length;
  }

  /** The most recent writes the server refused (oldest first). */
  rejected(): RejectedWrite[] {
    return [...this.rejectedList];
  }

  /** Calls `listener` for every queued write the server refuses; returns the unsubscribe. */
  onRejected(listener: (w: RejectedWrite) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records the write durably, then drains the outbox up to it.
   * @returns the server's answer, or `{status, queued: true, request_id}` while it is unreachable
   * @throws the server's coded error when it refuses this write; SERVICE_UNAVAILABLE offline with offlineWrites 'reject'
   */
  async submit(db: string, collection: string, method: ForwardedMethod, request: Record<string, unknown>): Promise<unknown> {
    // the caller's own request id (a retry of a write whose answer was lost) is kept: the server applies it once
    const { request_id: given, ...rest } = request;
    if (given !== undefined && (typeof given !== 'string' || !REQUEST_ID.test(given))) {
      throw new VesperError('PARAMETER_INVALID', `request_id must be 1 to 128 letters, digits or ._:- characters, got ${showValue(given)}`);
    }
    const entry: Entry = { id: given ?? newRequestId(), db, collection, method, request: plainRequest(rest), at: Date.now() };
    const key = PREFIX + String(this.next++).padStart(16, '0');
    await this.meta.put(key, toWire(entry));
    this.queue.push({ key, entry });
    this.waiting.add(entry.id);
    const offline = await this.drain();
    this.waiting.delete(entry.id);
    if (this.answers.has(entry.id)) {
      const answer = this.answers.get(entry.id);
      this.answers.delete(entry.id);
      if (answer instanceof VesperError) throw answer;
      return answer;
    }
    if (this.mode === 'reject') {
      await this.remove(key);
      throw new VesperError('SERVICE_UNAVAILABLE', `the server is unreachable and offlineWrites is 'reject': ${method} on ${collection} was not made (${offline?.message ?? 'queued behind earlier writes'})`, { request_id: entry.id });
    }
    // Milvus's mutation answer, unacknowledged: nothing is applied yet, so nothing is counted
    return { status: SUCCESS, succ_index: [], err_index: [], IDs: {}, acknowledged: false, insert_cnt: '0', delete_cnt: '0', upsert_cnt: '0', timestamp: '0', queued: true, request_id: entry.id };
  }

  /**
   * Sends queued writes in order until the queue is empty or the server cannot be reached.
   * @returns the error that stopped it (undefined when everything was sent)
   */
  drain(): Promise<VesperError | undefined> {
    let stopped: VesperError | undefined;
    const run = this.draining.then(async () => {
      while (this.queue.length > 0) {
        const { key, entry } = this.queue[0]!;
        let answer: unknown;
        try {
          answer = await this.send(entry.db, entry.collection, entry.method, entry.request, entry.id);
        } catch (e) {
          const err = VesperError.wrap(e);
          // retriable (unreachable, rate-limited, timed out, I/O): the write stays queued, in order
          if (err.retriable) {
            stopped = err;
            return;
          }
          await this.remove(key);
          // its caller is told directly; a write that was queued is reported to the listeners
          if (this.waiting.has(entry.id)) this.answers.set(entry.id, err);
          else this.reject(entry, err);
          continue;
        }
        await this.remove(key);
        if (this.waiting.has(entry.id)) this.answers.set(entry.id, answer);
      }
    });
    this.draining = run.catch(() => undefined);
    return run.then(() => stopped);
  }

  private async remove(key: string): Promise<void> {
    await this.meta.delete(key);
    const i = this.queue.findIndex((q) => q.key === key);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private reject(entry: Entry, err: VesperError): void {
    const w: RejectedWrite = { request_id: entry.id, method: entry.method, collection: entry.collection, code: err.code, message: err.message, made_at: entry.at };
    this.rejectedList.push(w);
    if (this.rejectedList.length > KEEP_REJECTED) this.rejectedList.shift();
    for (const l of this.listeners) {
      try {
        l(w);
      } catch {
        // a listener's failure is its own; the outbox goes on
      }
    }
  }
}

/** A request id no other replica or tab will make (128 random bits, hex). */
function newRequestId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'r-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The request as the wire carries it: typed arrays other than bytes become plain arrays
 * (JSON would write a Float32Array as an object of indices); bytes and bigints are tagged by
 * toWire. @throws PARAMETER_INVALID for a value JSON cannot carry (a function, a symbol)
 */
function plainRequest(v: Record<string, unknown>): Record<string, unknown> {
  const plain = (x: unknown): unknown => {
    if (x instanceof Uint8Array || x === null || typeof x !== 'object') {
      if (typeof x === 'function' || typeof x === 'symbol') throw new VesperError('PARAMETER_INVALID', `a forwarded write cannot carry a ${typeof x}`);
      return x;
    }
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number | bigint>);
    if (Array.isArray(x)) return x.map(plain);
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(x)) if (val !== undefined) out[k] = plain(val);
    return out;
  };
  return plain(v) as Record<string, unknown>;
}
