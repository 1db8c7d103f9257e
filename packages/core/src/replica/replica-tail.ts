/**
 * A replica's growing tail of one shard: the server's WAL entries after its manifest
 * checkpoint, applied in LSN order to growing segments (one per partition) with the server's
 * timestamps — what the server's growing segments hold. Effects on sealed rows (deletes,
 * last-write-wins of upserts) arrive separately, as the sealed segments' pending deletes, so
 * the tail only ever touches its own segments. Never written to: the replica's writes go to
 * the server.
 */
import type { CollectionSchema } from '../schema/types.ts';
import { primaryField } from '../schema/types.ts';
import { GrowingSegment } from '../segments/growing-segment.ts';
import { keyBatch } from '../segments/pk-index.ts';
import type { Segment } from '../segments/segment.ts';
import { decodeWalRecord } from '../wal/wal-record.ts';
import type { TailEntry } from './replica-wire.ts';

/** Local ids of tail segments: above any id the server allocates in practice, never persisted. */
let nextLocalId = 2 ** 52;

export class ReplicaTail {
  private readonly growing = new Map<number, GrowingSegment>();
  private readonly pk: string;
  /** The last LSN applied (the checkpoint when none). */
  lastLsn: number;

  constructor(
    readonly shard: number,
    readonly checkpoint: number,
    private readonly schema: CollectionSchema,
  ) {
    this.pk = primaryField(schema).name;
    this.lastLsn = checkpoint;
  }

  /** Applies entries after lastLsn, in order (entries at or below it are skipped: idempotent). */
  apply(entries: readonly TailEntry[]): void {
    for (const e of entries) {
      if (e.lsn <= this.lastLsn) continue;
      const rec = decodeWalRecord(e.payload, this.schema);
      if (rec.type === 'insert') {
        const keys = keyBatch(rec.batch.columns.get(this.pk)!, rec.batch.count);
        for (const seg of this.growing.values()) seg.applyLastWriteWins(keys, rec.ts);
        let g = this.growing.get(rec.partitionId);
        if (!g) this.growing.set(rec.partitionId, (g = new GrowingSegment(nextLocalId++, rec.partitionId, this.shard, this.schema, 0)));
        g.append(rec.batch, rec.ts);
      } else {
        for (const pk of rec.pks) {
          for (const seg of this.growing.values()) if ((rec.partitionId < 0 || seg.partitionId === rec.partitionId) && seg.hasPk(pk)) seg.applyDelete(pk, rec.ts, false);
        }
      }
      this.lastLsn = e.lsn;
    }
  }

  /** Tail segments with rows, of the given partitions (all when undefined). */
  segments(partitionIds?: ReadonlySet<number>): Segment[] {
    return [...this.growing.values()].filter((g) => g.rowCount > 0 && (!partitionIds || partitionIds.has(g.partitionId)));
  }

  get rowCount(): number {
    let n = 0;
    for (const g of this.growing.values()) n += g.rowCount;
    return n;
  }
}
