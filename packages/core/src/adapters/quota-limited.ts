/**
 * QuotaLimitedStorage: a StorageSet wrapper with a byte quota, for storage-pressure tests (what
 * a browser origin out of quota, a full disk or a full bucket does to the engine). Like
 * FaultInjectingStorage it is an adapter around adapters, never a mock: every call reaches the
 * inner storage unless it is a write that would take the bytes written through this wrapper
 * past the quota — that write is refused before it reaches the inner adapter (nothing of it
 * is stored), with RESOURCE_EXHAUSTED (12, not retriable) by default or whatever `error`
 * makes of it (a browser test passes its storage's own DOMException mapping).
 *
 * Accounting counts what is written through the wrapper (bytes present before it was made
 * are not counted): object bytes by key, meta values by key (overwrites count the
 * difference), WAL payloads by LSN; deletes, WAL truncation and dropped channels free theirs.
 * `quotaBytes` may be changed at any time (free space, or fill it up).
 */
import { VesperError } from '../errors/index.ts';
import { interceptStorage, type StorageCall } from './intercept-storage.ts';
import type { MetaOp } from './meta-store.ts';
import type { StorageSet } from './storage-set.ts';
import { showValue } from '../util/show-value.ts';

export interface QuotaOptions {
  /** Bytes that may be written through the wrapper (default: unlimited). */
  readonly quotaBytes?: number;
  /** The error a refused write rejects with; `what` names the call. Default RESOURCE_EXHAUSTED. */
  readonly error?: (what: string, used: number, quota: number) => unknown;
}

export class QuotaLimitedStorage implements StorageSet {
  readonly objects: StorageSet['objects'];
  readonly meta: StorageSet['meta'];
  readonly wal: StorageSet['wal'];
  /** Bytes that may be written through the wrapper; writes past it are refused. */
  quotaBytes: number;
  /** Writes refused so far. */
  refused = 0;
  private used = 0;
  private readonly objectSizes = new Map<string, number>();
  private readonly metaSizes = new Map<string, number>();
  private readonly walSizes = new Map<string, Map<number, number>>();
  private readonly error: NonNullable<QuotaOptions['error']>;

  constructor(readonly inner: StorageSet, opts: QuotaOptions = {}) {
    this.quotaBytes = opts.quotaBytes ?? Infinity;
    this.error = opts.error ?? quotaExhausted;
    const wrapped = interceptStorage(inner, (call, run) => this.run(call, run));
    this.objects = wrapped.objects;
    this.meta = wrapped.meta;
    this.wal = wrapped.wal;
  }

  /** Releases the inner set (its own close, else each adapter's). */
  async close(): Promise<void> {
    if (this.inner.close) return this.inner.close();
    await Promise.all([this.inner.objects.close?.(), this.inner.meta.close?.(), this.inner.wal.close?.()]);
  }

  /** Bytes written through the wrapper and not freed since. */
  get usedBytes(): number {
    return this.used;
  }

  private async run<T>(call: StorageCall, run: () => Promise<T>): Promise<T> {
    const growth = this.growth(call);
    if (growth > 0 && this.used + growth > this.quotaBytes) {
      this.refused++;
      throw this.error(`${call.adapter}.${call.method}(${call.keys.map((k) => showValue(k)).join(', ')})`, this.used, this.quotaBytes);
    }
    const result = await run();
    this.account(call, result);
    return result;
  }

  /** How many bytes `call` adds if it succeeds (negative when it frees). */
  private growth(call: StorageCall): number {
    const a = call.args;
    if (call.adapter === 'objects' && call.method === 'put') return (a[1] as Uint8Array).byteLength - (this.objectSizes.get(a[0] as string) ?? 0);
    if (call.adapter === 'meta' && call.method === 'put') return (a[1] as string).length - (this.metaSizes.get(a[0] as string) ?? 0);
    if (call.adapter === 'meta' && call.method === 'batch') {
      let n = 0;
      for (const op of a[0] as readonly MetaOp[]) if (op.type === 'put') n += op.value.length - (this.metaSizes.get(op.key) ?? 0);
      return n;
    }
    if (call.adapter === 'wal' && call.method === 'append') return (a[1] as readonly Uint8Array[]).reduce((n, p) => n + p.byteLength, 0);
    return 0;
  }

  private account(call: StorageCall, result: unknown): void {
    const a = call.args;
    if (call.adapter === 'objects') {
      if (call.method === 'put') this.setSize(this.objectSizes, a[0] as string, (a[1] as Uint8Array).byteLength);
      if (call.method === 'delete') for (const k of a[0] as readonly string[]) this.setSize(this.objectSizes, k, undefined);
    } else if (call.adapter === 'meta') {
      if (call.method === 'put') this.setSize(this.metaSizes, a[0] as string, (a[1] as string).length);
      if (call.method === 'delete') this.setSize(this.metaSizes, a[0] as string, undefined);
      if (call.method === 'batch') {
        for (const op of a[0] as readonly MetaOp[]) this.setSize(this.metaSizes, op.key, op.type === 'put' ? op.value.length : undefined);
      }
    } else {
      const channel = a[0] as string;
      if (call.method === 'append') {
        const sizes = this.walSizes.get(channel) ?? new Map<number, number>();
        this.walSizes.set(channel, sizes);
        (result as number[]).forEach((lsn, i) => {
          const n = (a[1] as readonly Uint8Array[])[i]!.byteLength;
          sizes.set(lsn, n);
          this.used += n;
        });
      } else if (call.method === 'truncate' || call.method === 'dropChannel') {
        const sizes = this.walSizes.get(channel);
        const upto = call.method === 'truncate' ? (a[1] as number) : Infinity;
        for (const [lsn, n] of sizes ?? []) {
          if (lsn > upto) continue;
          sizes!.delete(lsn);
          this.used -= n;
        }
      }
    }
  }

  private setSize(sizes: Map<string, number>, key: string, size: number | undefined): void {
    this.used -= sizes.get(key) ?? 0;
    if (size === undefined) {
      sizes.delete(key);
    } else {
      sizes.set(key, size);
      this.used += size;
    }
  }
}

/** The default refusal: what the browser adapters report for a QuotaExceededError. */
function quotaExhausted(what: string, used: number, quota: number): VesperError {
  return new VesperError(
    'RESOURCE_EXHAUSTED',
    `${what}: the storage quota is exhausted (${used} of ${quota} bytes used); free space (drop collections, compact) or raise the quota`,
    { cause: 'QuotaExceededError', usedBytes: used, quotaBytes: quota },
  );
}
