/**
 * Collection TTL on the read path: the plan carries the TTL (`ttlMs`) and every reader hides
 * the rows written before the read timestamp minus the TTL (segments/expiry.ts), as one more
 * filter over a segment's write timestamps.
 */
import { Bitset } from '../util/bitset.ts';
import type { ColumnSet } from '../schema/columns.ts';
import type { Segment } from '../segments/segment.ts';
import { expiryFloor } from '../segments/expiry.ts';
import type { RowFilter } from './read-plan.ts';

/** `inner` restricted to the rows still alive at `ts` under `ttlMs` (`inner` itself when there is no TTL). */
export function unexpired(ttlMs: number | undefined, ts: bigint, inner: RowFilter | undefined): RowFilter | undefined {
  const floor = ttlMs === undefined ? 0n : expiryFloor(ts, ttlMs);
  if (floor === 0n) return inner;
  return {
    evaluate(cols: ColumnSet, candidates?: Bitset): Bitset {
      const seg = cols as Segment;
      const alive = candidates ? candidates.clone() : Bitset.full(cols.rowCount);
      if (seg.minRowTs < floor) {
        const rowTs = seg.timestamps();
        for (let r = 0; r < rowTs.length; r++) if (rowTs[r]! < floor) alive.clear(r);
      }
      return inner ? inner.evaluate(cols, alive).and(alive) : alive;
    },
  };
}
