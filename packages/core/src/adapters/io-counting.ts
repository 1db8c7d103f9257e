/**
 * IoCountingStorage: a StorageSet wrapper that counts calls, errors and bytes per adapter
 * method (in the spirit of lance's tracking object store), so tests and benchmarks can assert
 * IO budgets ("a search reads each segment file once", "reopen does no object writes").
 *
 * Bytes are payload bytes only, not keys: object bytes, WAL payload bytes, and meta values as
 * UTF-8. Reads count what came back (a miss reads 0 bytes); writes count what was handed in,
 * even when the call then failed (the error is counted too).
 */
import { interceptStorage, type AdapterName, type StorageCall } from './intercept-storage.ts';
import type { MetaOp, MetaRecord } from './meta-store.ts';
import type { StorageSet } from './storage-set.ts';
import type { WalEntry } from './wal.ts';

export interface IoStats {
  calls: number;
  errors: number;
  bytesRead: number;
  bytesWritten: number;
}

/** Stats keyed by `adapter.method`, e.g. `objects.put`, `wal.append`, `meta.batch`. */
export type IoStatsByOp = Record<string, IoStats>;

const utf8 = new TextEncoder();

export class IoCountingStorage implements StorageSet {
  readonly objects: StorageSet['objects'];
  readonly meta: StorageSet['meta'];
  readonly wal: StorageSet['wal'];
  private stats = new Map<string, IoStats>();

  constructor(readonly inner: StorageSet) {
    const wrapped = interceptStorage(inner, async (call, run) => {
      const s = this.entry(`${call.adapter}.${call.method}`);
      s.calls++;
      s.bytesWritten += bytesWritten(call);
      try {
        const result = await run();
        s.bytesRead += bytesRead(call, result);
        return result;
      } catch (err) {
        s.errors++;
        throw err;
      }
    });
    this.objects = wrapped.objects;
    this.meta = wrapped.meta;
    this.wal = wrapped.wal;
  }

  /** A snapshot of the counters of every op called so far. */
  snapshot(): IoStatsByOp {
    const out: IoStatsByOp = {};
    for (const [op, s] of [...this.stats].sort(([a], [b]) => (a < b ? -1 : 1))) out[op] = { ...s };
    return out;
  }

  /** Counters of one op (`'objects.put'`), or summed over an adapter (`'objects'`) or everything. */
  get(op?: `${AdapterName}.${string}` | AdapterName): IoStats {
    const sum: IoStats = { calls: 0, errors: 0, bytesRead: 0, bytesWritten: 0 };
    for (const [name, s] of this.stats) {
      if (op !== undefined && name !== op && !name.startsWith(`${op}.`)) continue;
      sum.calls += s.calls;
      sum.errors += s.errors;
      sum.bytesRead += s.bytesRead;
      sum.bytesWritten += s.bytesWritten;
    }
    return sum;
  }

  reset(): void {
    this.stats = new Map();
  }

  private entry(op: string): IoStats {
    let s = this.stats.get(op);
    if (s === undefined) {
      s = { calls: 0, errors: 0, bytesRead: 0, bytesWritten: 0 };
      this.stats.set(op, s);
    }
    return s;
  }
}

function bytesWritten(call: StorageCall): number {
  const [a0, a1] = call.args;
  if (call.adapter === 'objects' && call.method === 'put') return (a1 as Uint8Array).byteLength;
  if (call.adapter === 'wal' && call.method === 'append') {
    return (a1 as readonly Uint8Array[]).reduce((n, p) => n + p.byteLength, 0);
  }
  if (call.adapter === 'meta' && call.method === 'put') return utf8.encode(a1 as string).byteLength;
  if (call.adapter === 'meta' && call.method === 'batch') {
    return (a0 as readonly MetaOp[]).reduce((n, op) => n + (op.type === 'put' ? utf8.encode(op.value).byteLength : 0), 0);
  }
  return 0;
}

function bytesRead(call: StorageCall, result: unknown): number {
  if (call.adapter === 'objects' && (call.method === 'get' || call.method === 'getRange')) {
    return (result as Uint8Array | undefined)?.byteLength ?? 0;
  }
  if (call.adapter === 'wal' && call.method === 'read') {
    return (result as WalEntry[]).reduce((n, e) => n + e.payload.byteLength, 0);
  }
  if (call.adapter === 'meta' && call.method === 'get') {
    const rec = result as MetaRecord | undefined;
    return rec === undefined ? 0 : utf8.encode(rec.value).byteLength;
  }
  if (call.adapter === 'meta' && call.method === 'list') {
    return (result as Array<readonly [string, MetaRecord]>).reduce((n, [, r]) => n + utf8.encode(r.value).byteLength, 0);
  }
  return 0;
}
