/**
 * SealedReplica: a reader's copy of some of a collection's sealed segments (a Milvus
 * QueryNode's "worker" segments). The writer — the SegmentManager that owns the shard —
 * decides which segments a replica holds and tells it with `sync`: the manifest records to
 * hold and the deletes that hit them but are not in a delete log yet. The replica loads new
 * records from the object store, applies new delete logs and index files to the ones it has,
 * drops the rest, and applies the pending deletes. Deletes are idempotent, so the same
 * pending list may arrive again and again until a flush turns it into a delete log.
 *
 * A replica never writes: no WAL, no manifest commits, no index builds. It is the
 * `readerReplica` role (holder-role.ts): it holds its segments as its holding says — by
 * default lean, leaving every indexed vector column in the object store (REPLICA_HOLDING
 * keeps the columns no index serves) — and reads them back for the answers that output them (`answer`): the returned rows only, by range for fixed-width columns.
 */
import { warmAnalyzers } from '../text/analyzer-cache.ts';
import { KeyedQueue } from '../util/keyed-queue.ts';
import type { SegmentRecord } from '../storage/manifest.ts';
import type { Column, ColumnSet } from '../schema/columns.ts';
import type { FieldSchema } from '../schema/types.ts';
import { SealedSegment } from './sealed-segment.ts';
import type { PendingDelete } from './segment.ts';
import type { SegmentManager } from './segment-manager.ts';
import { releaseIndexedVectors, loadSealedSegment, refreshSegment, restoreColumns, type SegmentSource } from './segment-loader.ts';
import { LEAN_HOLDING, type SealedHolding } from './holder-role.ts';

/** What a writer sends a replica: the records it should hold and their unflushed deletes. */
export interface ReplicaAssignment {
  readonly records: readonly SegmentRecord[];
  /** Per segment id, deletes not yet in one of its delete logs. */
  readonly pending: readonly (readonly [number, readonly PendingDelete[]])[];
}

/**
 * The writer's view of its sealed segments at this instant: manifest records (with the delete
 * logs and index files committed so far) and the deletes still pending on each. Synchronous,
 * so the two halves belong to the same moment.
 */
export function writerAssignment(m: SegmentManager, keep: (rec: SegmentRecord) => boolean = () => true): ReplicaAssignment {
  // The manifest has the newest delete logs and index files of a segment; a segment the
  // manifest no longer lists (compacted away a moment ago) is still held until the writer
  // swaps its list, so its own record stands in.
  const committed = new Map(m.manifest.segments.map((r) => [r.id, r]));
  const records: SegmentRecord[] = [];
  const pending: [number, PendingDelete[]][] = [];
  for (const seg of m.sealed) {
    const rec = committed.get(seg.id) ?? seg.record;
    if (!keep(rec)) continue;
    records.push(rec);
    if (seg.pendingDeletes.length > 0) pending.push([rec.id, seg.pendingDeletes.slice()]);
  }
  return { records, pending };
}

/**
 * Splits an assignment into n shares of about equal weight (heaviest segments first); the
 * weight of a segment is its rows unless given (a shard leader weighs what a node keeps of it).
 */
export function splitAssignment(a: ReplicaAssignment, n: number, weight: (rec: SegmentRecord) => number = (rec) => rec.rows): ReplicaAssignment[] {
  const shares = Array.from({ length: n }, () => ({ records: [] as SegmentRecord[], weight: 0 }));
  const sorted = a.records.map((rec) => ({ rec, w: weight(rec) })).sort((x, y) => y.w - x.w || x.rec.id - y.rec.id);
  const where = new Map<number, number>();
  for (const { rec, w } of sorted) {
    let best = 0;
    for (let i = 1; i < n; i++) if (shares[i]!.weight < shares[best]!.weight) best = i;
    shares[best]!.records.push(rec);
    shares[best]!.weight += w;
    where.set(rec.id, best);
  }
  return shares.map((sh, i) => ({
    records: sh.records.sort((x, y) => x.id - y.id),
    pending: a.pending.filter(([id]) => where.get(id) === i),
  }));
}

export class SealedReplica {
  private readonly held = new Map<number, SealedSegment>();
  private readonly queue = new KeyedQueue();

  private src: SegmentSource;

  /**
   * `holding` (holder-role.ts; the source's own holding is not used): LEAN_HOLDING by default —
   * indexed vector columns stay in the object store and outputs read the returned rows back —
   * or REPLICA_HOLDING, which keeps the columns no index serves in memory.
   */
  constructor(
    src: SegmentSource,
    private readonly holding: SealedHolding = LEAN_HOLDING,
  ) {
    this.src = { ...src, holding };
  }

  /** Replaces the schema/index factory used for later loads (after an index or schema change). */
  setSource(src: SegmentSource): void {
    this.src = { ...src, holding: this.holding };
  }

  /** Makes the held set equal to the assignment (see the header). Calls are serialized. */
  sync(a: ReplicaAssignment): Promise<void> {
    return this.queue.run(['sync'], async () => {
      // the share's requests may filter with text_match: their analyzers are built first
      await warmAnalyzers(this.src.schema);
      // columns a previous request read back are dropped again
      for (const seg of this.held.values()) releaseIndexedVectors(this.src, seg);
      const want = new Map(a.records.map((r) => [r.id, r]));
      for (const [id, seg] of this.held) {
        if (!want.has(id)) {
          for (const idx of seg.indexes.values()) idx.dispose?.();
          this.held.delete(id);
        }
      }
      for (const rec of a.records) {
        const have = this.held.get(rec.id);
        if (!have) this.held.set(rec.id, await loadSealedSegment(this.src, rec));
        else if (have.record !== rec && !sameRecord(have.record, rec)) await refreshSegment(this.src, have, rec, true);
      }
      // fields added since a held segment was loaded (addCollectionField) read as absent
      for (const seg of this.held.values()) seg.fillAddedFields(this.src.schema.fields);
      for (const [id, dels] of a.pending) {
        const seg = this.held.get(id);
        if (seg) for (const d of dels) seg.applyDelete(d.pk, d.ts, false);
      }
    });
  }

  /**
   * Runs a read of the held segments that outputs `outputs` and scans `scanned` whole (a
   * grouping search's exact scan of the vector field) — serialized with `sync` when a held
   * segment left one of them in the object store, so no sync changes the segments meanwhile.
   * A `scanned` column left in the store is read back whole first. An output column left in
   * the store is not: the read gathers the returned rows' cells (query/output.ts, `StoredCells`)
   * and fills them through `readStoredRows`, which reads only those rows, by range for
   * fixed-width columns. Without columns left in the store it runs at once.
   */
  answer<T>(outputs: readonly string[], read: () => T | Promise<T>, scanned: readonly string[] = []): Promise<T> {
    const lacks = (s: SealedSegment, fields: readonly string[]): boolean => fields.some((f) => s.dropped.has(f));
    if (![...this.held.values()].some((s) => lacks(s, outputs) || lacks(s, scanned))) return Promise.resolve(read());
    return this.queue.run(['sync'], async () => {
      for (const seg of this.held.values()) if (lacks(seg, scanned)) await restoreColumns(this.src, seg, scanned);
      return read();
    });
  }

  /** The listed rows of fields a held segment left in the object store (`SealedSegment.readStoredRows`). */
  readStoredRows(cols: ColumnSet, fields: readonly FieldSchema[], rows: Int32Array): Promise<readonly Column[]> {
    return SealedSegment.readStoredRows(this.src, cols, fields, rows);
  }

  /** Held segments of the given partitions (all when undefined), in id order. */
  segments(partitionIds?: ReadonlySet<number>): SealedSegment[] {
    const out = [...this.held.values()].filter((s) => !partitionIds || partitionIds.has(s.partitionId));
    return out.sort((a, b) => a.id - b.id);
  }

  /** Ids of the segments held now. */
  ids(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  get rowCount(): number {
    let n = 0;
    for (const s of this.held.values()) n += s.rowCount;
    return n;
  }

  close(): void {
    for (const seg of this.held.values()) for (const idx of seg.indexes.values()) idx.dispose?.();
    this.held.clear();
  }
}

function sameRecord(a: SegmentRecord, b: SegmentRecord): boolean {
  return (
    a.insertLog === b.insertLog &&
    a.deltaLogs.length === b.deltaLogs.length &&
    a.deltaLogs.every((k, i) => k === b.deltaLogs[i]) &&
    a.indexes.length === b.indexes.length &&
    a.indexes.every((x, i) => x.key === b.indexes[i]!.key)
  );
}
