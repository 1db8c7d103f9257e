/**
 * TabTransport: one writer per database per origin. Every tab that opens 'opfs://x' or
 * 'idb://x' asks for the Web Lock "vesper-leader:<url>" (exclusive); the holder — the leader
 * — runs the engine worker, the others forward (method, request) to it over the
 * BroadcastChannel "vesper-tabs:<url>" (tab-protocol.ts). The lock is held for the leader's
 * lifetime, so when its tab closes (or its worker dies, or it closes the database) the next
 * waiting tab gets it, opens the storage — replaying the WAL — and announces itself.
 *
 * Invariants:
 * - At most one engine writes a database: the lock is granted to one context at a time,
 *   and a leader starts its worker only inside the lock callback.
 * - No silent loss: a write forwarded to a leader that is gone rejects with a retriable
 *   SERVICE_UNAVAILABLE (details.request_id) when the next leader announces or the leader
 *   says goodbye; a read is sent again to the next leader; a call queued with no leader
 *   waits for one (up to leaderWaitMs).
 * - No double apply: writes carry a request id; retrying with `request_id` set to it asks
 *   the (new) leader to look it up in the durable request log before applying it.
 */
import { VesperError, type Transport } from '@vesper/core';
import { WRITE_METHODS, randomId, splitCallMeta, type CallMeta, type WorkerLink, type WorkerMethod, type WorkerRequest, type WorkerResponse, type WorkerTransport } from '@vesper/worker';
import type { TabMessage } from './tab-protocol.ts';

export interface TabTransportOptions {
  /** The database URL ('opfs://name' or 'idb://name'): names the lock and the channel. */
  readonly url: string;
  /** Starts the engine worker and opens the database in it (run when this tab leads). */
  startEngine(): Promise<WorkerTransport>;
  /** How long a call waits for some tab to lead before SERVICE_UNAVAILABLE. Default 15 s. */
  readonly leaderWaitMs?: number;
}

interface Pending {
  readonly method: WorkerMethod;
  readonly request: unknown;
  readonly meta: CallMeta & { callId: string };
  readonly signal: AbortSignal | undefined;
  /** The leader it was posted to; undefined while queued. */
  sentTo: string | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve(value: unknown): void;
  reject(err: VesperError): void;
}

export class TabTransport implements Transport, WorkerLink {
  /** This tab's id on the channel. */
  readonly tabId = randomId();
  private readonly channel: BroadcastChannel;
  private readonly pending = new Map<string, Pending>();
  private readonly lockName: string;
  private readonly lockAbort = new AbortController();
  private engine: WorkerTransport | undefined;
  private leaderId: string | undefined;
  private releaseLock: (() => void) | undefined;
  private closed: VesperError | undefined;

  private constructor(private readonly options: TabTransportOptions) {
    this.lockName = `vesper-leader:${options.url}`;
    this.channel = new BroadcastChannel(`vesper-tabs:${options.url}`);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => this.onMessage(event.data);
  }

  /**
   * Joins the database's tabs: leads at once when no tab leads (opening the engine here),
   * else follows the leader.
   * @throws the engine's open error when this tab leads and the database cannot open.
   */
  static async open(options: TabTransportOptions): Promise<TabTransport> {
    const t = new TabTransport(options);
    try {
      if (!(await t.requestLock(true))) {
        t.waitForLeadership();
        t.post({ t: 'hello', from: t.tabId });
      }
    } catch (err) {
      t.shutdown(VesperError.wrap(err));
      throw err;
    }
    return t;
  }

  /** 'leader' while this tab runs the engine, else 'follower'. */
  get role(): 'leader' | 'follower' {
    return this.engine !== undefined ? 'leader' : 'follower';
  }

  call<M extends WorkerMethod>(method: M, request: WorkerRequest<M>): Promise<WorkerResponse<M>> {
    const split = splitCallMeta(method, request);
    if (this.closed !== undefined) return Promise.reject(withRequestId(this.closed, split.requestId));
    if (split.signal?.aborted === true) return Promise.reject(cancelledError());
    const meta = { ...split, callId: randomId() };
    // split.request is the caller's request without its call metadata
    if (this.engine !== undefined) return this.engine.call(method, split.request as WorkerRequest<M>, meta);
    return new Promise<WorkerResponse<M>>((resolve, reject) => {
      const p: Pending = { method, request: split.request, meta, signal: split.signal, sentTo: undefined, timer: undefined, resolve: (v) => resolve(v as WorkerResponse<M>), reject };
      this.pending.set(meta.callId, p);
      split.signal?.addEventListener('abort', () => this.abortPending(meta.callId), { once: true });
      if (this.leaderId !== undefined) this.send(p, this.leaderId);
      else this.armLeaderWait(p);
    });
  }

  /** Orderly close: a leader closes its engine and hands the lock on; a follower leaves. */
  async close(): Promise<void> {
    if (this.closed !== undefined) return;
    const engine = this.engine;
    this.engine = undefined;
    try {
      await engine?.close();
    } finally {
      this.shutdown(new VesperError('SERVICE_UNAVAILABLE', 'the database is closed'));
    }
  }

  /** Leaves at once, as a closed tab would: the worker ends, the lock passes on. */
  terminate(): void {
    const engine = this.engine;
    this.engine = undefined;
    engine?.terminate();
    this.shutdown(new VesperError('SERVICE_UNAVAILABLE', 'the engine worker was terminated'));
  }

  // ---- leadership ----

  /** Asks for the lock; resolves true once this tab leads, false when (ifAvailable) it is taken. */
  private requestLock(ifAvailable: boolean): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const opts: LockOptions = ifAvailable ? { mode: 'exclusive', ifAvailable: true } : { mode: 'exclusive', signal: this.lockAbort.signal };
      navigator.locks
        .request(this.lockName, opts, async (lock) => {
          if (lock === null) return resolve(false);
          if (this.closed !== undefined) return resolve(false);
          try {
            await this.lead();
          } catch (err) {
            reject(err);
            return; // returning releases the lock for the next tab
          }
          resolve(true);
          await new Promise<void>((release) => (this.releaseLock = release));
        })
        .catch((err: unknown) => (this.lockAbort.signal.aborted ? resolve(false) : reject(err)));
    });
  }

  /** Waits in line for the lock (after the current leader, in request order). */
  private waitForLeadership(): void {
    this.requestLock(false).catch((err: unknown) => this.shutdown(VesperError.wrap(err)));
  }

  private async lead(): Promise<void> {
    // whatever was posted to the previous leader may or may not have been applied
    this.failSent(undefined);
    const engine = await this.options.startEngine();
    if (this.closed !== undefined) {
      await engine.close().catch(() => undefined);
      return;
    }
    this.engine = engine;
    this.leaderId = this.tabId;
    engine.onDeath(() => this.stepDown(engine));
    this.post({ t: 'leader', leader: this.tabId });
    for (const p of [...this.pending.values()]) {
      this.pending.delete(p.meta.callId);
      if (p.timer !== undefined) clearTimeout(p.timer);
      engine.call(p.method, p.request as never, { ...p.meta, ...(p.signal === undefined ? {} : { signal: p.signal }) }).then(p.resolve, (e: unknown) => p.reject(VesperError.wrap(e)));
    }
  }

  /** The engine worker died under a live tab: let another tab lead, and queue behind it. */
  private stepDown(engine: WorkerTransport): void {
    if (this.engine !== engine) return;
    this.engine = undefined;
    this.leaderId = undefined;
    this.post({ t: 'bye', leader: this.tabId });
    const release = this.releaseLock;
    this.releaseLock = undefined;
    release?.();
    if (this.closed === undefined) this.waitForLeadership();
  }

  private shutdown(reason: VesperError): void {
    if (this.closed !== undefined) return;
    this.closed = reason;
    if (this.leaderId === this.tabId) this.post({ t: 'bye', leader: this.tabId });
    this.leaderId = undefined;
    this.lockAbort.abort();
    const release = this.releaseLock;
    this.releaseLock = undefined;
    release?.();
    for (const p of this.pending.values()) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(withRequestId(reason, p.meta.requestId));
    }
    this.pending.clear();
    this.channel.close();
  }

  // ---- the channel ----

  private post(message: TabMessage): void {
    if (this.closed === undefined || message.t === 'bye') this.channel.postMessage(message);
  }

  private send(p: Pending, leader: string): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    p.sentTo = leader;
    this.post({ t: 'req', id: p.meta.callId, from: this.tabId, to: leader, method: p.method, request: p.request, meta: p.meta });
  }

  private armLeaderWait(p: Pending): void {
    const ms = this.options.leaderWaitMs ?? 15_000;
    p.timer = setTimeout(() => {
      if (this.pending.delete(p.meta.callId)) {
        p.reject(withRequestId(new VesperError('SERVICE_UNAVAILABLE', `no tab leads database ${this.options.url} after ${ms} ms; retry`), p.meta.requestId));
      }
    }, ms);
  }

  private abortPending(callId: string): void {
    const p = this.pending.get(callId);
    if (p === undefined) return;
    this.pending.delete(callId);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.sentTo !== undefined) this.post({ t: 'cancel', id: callId, to: p.sentTo });
    p.reject(cancelledError());
  }

  /**
   * Calls posted to a leader other than `keep`: it is gone. A write's fate is unknown, so it
   * rejects (retriable, naming its request id); anything else changes nothing and waits for
   * the next leader (the caller of this method sends it there).
   */
  private failSent(keep: string | undefined): void {
    for (const [id, p] of this.pending) {
      if (p.sentTo === undefined || p.sentTo === keep) continue;
      if (!WRITE_METHODS.has(p.method)) {
        p.sentTo = undefined;
        this.armLeaderWait(p);
        continue;
      }
      this.pending.delete(id);
      const err = new VesperError('SERVICE_UNAVAILABLE', `the leader tab of ${this.options.url} went away before answering ${p.method}; it may or may not have been applied — retry (with request_id for writes)`);
      p.reject(withRequestId(err, p.meta.requestId));
    }
  }

  private onMessage(m: TabMessage): void {
    if (this.closed !== undefined) return;
    switch (m.t) {
      case 'hello':
        if (this.engine !== undefined) this.post({ t: 'leader', leader: this.tabId });
        return;
      case 'leader':
        if (m.leader === this.tabId) return;
        this.leaderId = m.leader;
        this.failSent(m.leader);
        for (const p of this.pending.values()) if (p.sentTo === undefined) this.send(p, m.leader);
        return;
      case 'bye':
        if (this.leaderId === m.leader) this.leaderId = undefined;
        this.failSent(undefined);
        return;
      case 'req':
        if (m.to === this.tabId) this.serve(m);
        return;
      case 'cancel':
        if (m.to === this.tabId) void this.engine?.cancel(m.id);
        return;
      case 'res': {
        if (m.to !== this.tabId) return;
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(VesperError.fromJSON(m.error));
      }
    }
  }

  /** Leader: runs a follower's call and answers it (errors as VesperError JSON). */
  private serve(m: Extract<TabMessage, { t: 'req' }>): void {
    const engine = this.engine;
    const answer = (msg: TabMessage): void => this.post(msg);
    if (engine === undefined) {
      // not (or no longer) the leader: the caller learns it from the next announcement
      return;
    }
    // another tab's call: the engine worker refuses a method it does not know, with a code
    engine.call(m.method, m.request as never, { ...m.meta, callId: m.id }).then(
      (value) => answer({ t: 'res', id: m.id, to: m.from, ok: true, value }),
      (err: unknown) => answer({ t: 'res', id: m.id, to: m.from, ok: false, error: VesperError.wrap(err).toJSON() }),
    );
  }
}

function cancelledError(): VesperError {
  return new VesperError('CANCELLED', 'the call was cancelled by its AbortSignal');
}

function withRequestId(err: VesperError, requestId: string | undefined): VesperError {
  return requestId === undefined ? err : new VesperError(err.error, err.message, { ...err.details, request_id: requestId });
}
