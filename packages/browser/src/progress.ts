/**
 * Long operations from the page, with progress and cancellation: a bulk insert chunked into
 * batches (each batch a durable, acknowledged write), and waiting for an index build by
 * polling describeIndex (Milvus's GetIndexBuildProgress). An AbortSignal stops either: the
 * bulk insert between batches (batches already acknowledged stay — the CANCELLED error says
 * how many rows), the index build by dropping the index being built.
 */
import { VesperError, type VesperClient } from '@vesper/core';

/** Progress of a bulk insert or an export/import: rows done of total. */
export interface RowProgress {
  readonly done: number;
  readonly total: number;
}

/** Progress of an index build (describeIndex's counts). */
export interface IndexProgress {
  readonly indexedRows: number;
  readonly totalRows: number;
  readonly pendingRows: number;
  readonly state: 'Finished' | 'InProgress';
}

type InsertReq = Parameters<VesperClient['insert']>[0];
type InsertRes = Awaited<ReturnType<VesperClient['insert']>>;

/** @throws CANCELLED when signal has fired (details: what was already done). */
export function throwIfAborted(signal: AbortSignal | undefined, details?: Record<string, unknown>): void {
  if (signal?.aborted === true) throw new VesperError('CANCELLED', 'the operation was cancelled by its AbortSignal', details);
}

/**
 * Inserts req.data in batches of batchSize rows, reporting progress after each.
 * @throws CANCELLED (details.inserted) when signal fires between batches; the batch's error otherwise.
 */
export async function chunkedInsert(
  insert: (req: InsertReq) => Promise<InsertRes>,
  req: InsertReq,
  opts: { batchSize: number; onProgress?: (p: RowProgress) => void; signal?: AbortSignal },
): Promise<InsertRes> {
  const rows = req.data ?? req.fields_data ?? [];
  const { data: _d, fields_data: _f, ...rest } = req;
  let merged: InsertRes | undefined;
  let done = 0;
  for (let at = 0; at < rows.length || merged === undefined; at += opts.batchSize) {
    throwIfAborted(opts.signal, { inserted: done, total: rows.length });
    const res = await insert({ ...rest, data: rows.slice(at, at + opts.batchSize), ...(opts.signal ? { signal: opts.signal } : {}) } as InsertReq);
    done += Number(res.insert_cnt);
    merged = merged === undefined ? res : mergeResults(merged, res);
    opts.onProgress?.({ done, total: rows.length });
    if (rows.length === 0) break;
  }
  return merged!;
}

function mergeResults(a: InsertRes, b: InsertRes): InsertRes {
  const ids: InsertRes['IDs'] = { ...a.IDs };
  for (const [k, v] of Object.entries(b.IDs)) ids[k] = { data: [...(ids[k]?.data ?? []), ...v.data] };
  const base = a.succ_index.length;
  return {
    ...b,
    succ_index: [...a.succ_index, ...b.succ_index.map((i) => i + base)],
    err_index: [...a.err_index, ...b.err_index.map((i) => i + base)],
    IDs: ids,
    insert_cnt: String(Number(a.insert_cnt) + Number(b.insert_cnt)),
    timestamp: BigInt(b.timestamp) > BigInt(a.timestamp) ? b.timestamp : a.timestamp,
  };
}

/**
 * Polls describeIndex until the build finishes, reporting progress; on abort drops the index.
 * @throws CANCELLED when signal fires (the index is dropped first).
 */
export async function waitForIndex(
  db: VesperClient,
  target: { collection_name: string; field_name?: string; index_name?: string; db_name?: string },
  opts: { onProgress?: (p: IndexProgress) => void; signal?: AbortSignal; pollMs?: number },
): Promise<IndexProgress> {
  const pollMs = opts.pollMs ?? 50;
  for (;;) {
    if (opts.signal?.aborted === true) {
      await db.dropIndex({ ...target } as Parameters<VesperClient['dropIndex']>[0]).catch(() => undefined);
      throwIfAborted(opts.signal, { index_dropped: true });
    }
    const d = (await db.describeIndex(target)).index_descriptions[0];
    if (d === undefined) throw new VesperError('INDEX_NOT_FOUND', `index not found[collection=${target.collection_name}]`);
    const p: IndexProgress = { indexedRows: Number(d.indexed_rows), totalRows: Number(d.total_rows), pendingRows: Number(d.pending_index_rows), state: d.state };
    opts.onProgress?.(p);
    if (p.state === 'Finished') return p;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
