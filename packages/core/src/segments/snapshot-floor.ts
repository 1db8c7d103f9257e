/**
 * SnapshotFloor: the oldest timestamp a pinned read (`snapshot_ts`, an iterator's later pages)
 * may still use on a collection's segments. MVCC keeps every row version a read at T needs —
 * until compaction purges deleted and expired rows: a read pinned before that compaction could
 * no longer see rows that were alive at its timestamp. So a compaction that purges rows raises
 * the floor to the oracle's clock, and so does opening or refreshing onto compacted segments
 * (when they were compacted is not recorded; the floor errs on the safe side). A pinned read
 * below the floor is refused with a code rather than answered with rows missing (Milvus: an
 * iterator past its snapshot's retention fails).
 */
import { VesperError } from '../errors/index.ts';

export class SnapshotFloor {
  private floor = 0n;

  /** The floor now (0n: every snapshot this database issued is readable). */
  get value(): bigint {
    return this.floor;
  }

  /** Raises the floor to `ts` (never lowers it). */
  raise(ts: bigint): void {
    if (ts > this.floor) this.floor = ts;
  }

  /** @throws PARAMETER_INVALID (1100) when a read pinned at `ts` could miss purged rows */
  check(ts: bigint): void {
    if (ts < this.floor) {
      throw new VesperError(
        'PARAMETER_INVALID',
        `snapshot_ts ${ts} is older than the oldest snapshot this collection keeps (${this.floor}): compaction has purged rows it could see; start the iterator again`,
      );
    }
  }
}
