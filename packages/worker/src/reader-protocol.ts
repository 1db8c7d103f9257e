/**
 * The wire protocol between the engine worker (the writer, WorkerReaderPool) and its query
 * workers (serveReader): one postMessage per call and one per answer, matched by id, errors
 * as VesperError JSON — the shape of wire.ts under its own tag, so a worker that serves both
 * roles (the browser's engine-worker.ts) tells the two apart.
 *
 * A call about a collection names the collection's info and the reader's share of the
 * writer's sealed segments by version (`InfoRef.v`) and key (`ShareRef.key`), and carries the
 * value itself only when this reader was not sent that version/key before. A reader that has
 * not synced exactly that version/key (restarted, or its last sync failed) answers
 * `resend: true`, and the pool sends the call again in full. Everything here is plain
 * structured-clonable data (bigint timestamps and Int64 values included).
 */
import type { BlockCacheStats, VesperErrorJSON } from '@vesper/core';
import type { CollectionInfo, ReplicaAssignment } from '@vesper/core/distributed';

export const READER_TAG = 'vesper-reader/1';

/** What a query worker is told when it starts. */
export interface ReaderConfig {
  /** The database URL: the reader opens the same object store, read-only. */
  readonly url: string;
  /** An absolute URL of kernels.wasm (the writer's). */
  readonly kernels?: string;
  /**
   * A Web Lock the reader holds for its whole life; the pool waits on it, so it learns of
   * the reader's end however it ends (terminated, crashed, closed itself).
   */
  readonly lifeLock?: string;
  /** This query worker's share of the database's memoryBudget (its block cache's bytes). */
  readonly memoryBudget?: number;
}

export interface InfoRef {
  readonly v: number;
  readonly info?: CollectionInfo;
}

export interface ShareRef {
  readonly key: string;
  readonly share?: ReplicaAssignment;
}

export type ReaderOp = 'open' | 'sync' | 'search' | 'query' | 'count' | 'bm25Stats' | 'drop' | 'stats';

export interface ReaderRequest {
  readonly tag: typeof READER_TAG;
  readonly id: number;
  readonly op: ReaderOp;
  /**
   * open: [ReaderConfig]; sync: [collectionId, InfoRef, ShareRef]; search/query/count/bm25Stats:
   * [collectionId, InfoRef, ShareRef, ReadPlan (bm25Stats: its statistics request), ts]; drop: [collectionId]; stats: [].
   */
  readonly args: readonly unknown[];
}

export interface ReaderResponse {
  readonly tag: typeof READER_TAG;
  readonly id: number;
  readonly value?: unknown;
  readonly error?: VesperErrorJSON;
  /** The reader lacks the info version or share key the call names: send it again in full. */
  readonly resend?: true;
}

/** What one query worker holds. */
export interface ReaderStats {
  readonly collections: number;
  readonly segments: number;
  readonly rows: number;
  /** Calls answered since the worker started. */
  readonly calls: number;
  /** The worker's block cache (disk-resident indexes' range reads). */
  readonly blockCache?: BlockCacheStats;
}

function tagged(value: unknown): value is { tag: unknown; id: unknown } {
  return value !== null && typeof value === 'object' && (value as { tag?: unknown }).tag === READER_TAG;
}

export function isReaderRequest(value: unknown): value is ReaderRequest {
  return tagged(value) && typeof value.id === 'number' && Array.isArray((value as { args?: unknown }).args);
}

export function isReaderResponse(value: unknown): value is ReaderResponse {
  return tagged(value) && typeof value.id === 'number' && !Array.isArray((value as { args?: unknown }).args);
}

/**
 * The key of a share: equal keys mean the same segments with the same delete logs, index
 * files and pending deletes (pending lists only grow until a flush turns them into a delete
 * log, which changes the record), so a reader synced to one key holds the other.
 */
export function shareKey(a: ReplicaAssignment): string {
  let key = recordsKey(a);
  for (const [id, dels] of a.pending) {
    const last = dels[dels.length - 1];
    key += `|${id}:${dels.length}:${last === undefined ? '' : `${String(last.pk)}@${last.ts}`}`;
  }
  return key;
}

/** The key of an assignment's records alone (which files a reader must have loaded). */
export function recordsKey(a: ReplicaAssignment): string {
  let key = '';
  for (const r of a.records) {
    key += `${r.id}/${r.insertLog}/${r.deltaLogs.length}/${r.deltaLogs[r.deltaLogs.length - 1] ?? ''}/${r.indexes.map((i) => i.key).join('+')};`;
  }
  return key;
}
