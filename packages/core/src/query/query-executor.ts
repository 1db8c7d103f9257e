/**
 * Query (Milvus's retrieve): rows matching a filter at a snapshot, across segments. Like
 * Milvus's reduce, results are ordered by primary key and a key that appears more than once
 * (plain inserts may repeat a key) is returned once, its newest version. `count(*)` counts
 * distinct keys.
 */
import type { Segment, PkValue } from '../segments/segment.ts';
import { allowedRows, type RowFilter } from './search-executor.ts';
import { materializeRow, type OutputPlan, type StoredCells } from './output.ts';
import type { PartialRow } from './read-plan.ts';
import { checkOutputSize } from './output-limit.ts';
import { compareOrder, orderValues } from './order-by.ts';
import type { OrderBy } from './read-plan.ts';

export interface QuerySpec {
  readonly filter?: RowFilter;
  readonly limit?: number;
  readonly offset: number;
  readonly output: OutputPlan;
  /** Ordered by these keys (ties by primary key) instead of by primary key. */
  readonly orderBy?: readonly OrderBy[];
  /** Where output cells of columns left in the object store are gathered (output.ts). */
  readonly later?: StoredCells;
}

interface Located {
  seg: Segment;
  row: number;
  ts: bigint;
}

function collect(segments: readonly Segment[], ts: bigint, filter: RowFilter | undefined): Map<PkValue, Located> {
  const found = new Map<PkValue, Located>();
  const lookup = filter?.lookup;
  for (const seg of segments) {
    if (lookup !== undefined) {
      // a get: the keys' rows from the pk index, each checked for visibility (no bitset over the segment)
      for (const pk of lookup) {
        for (const row of seg.rowsOf(pk)) {
          if (!visibleAt(seg, row, ts)) continue;
          const rowTs = seg.rowTimestamp(row);
          const prev = found.get(pk);
          if (!prev || rowTs > prev.ts) found.set(pk, { seg, row, ts: rowTs });
        }
      }
      continue;
    }
    const allow = allowedRows(seg, ts, filter);
    allow.forEach((row) => {
      const pk = seg.pkAt(row);
      const rowTs = seg.rowTimestamp(row);
      const prev = found.get(pk);
      if (!prev || rowTs > prev.ts) found.set(pk, { seg, row, ts: rowTs });
    });
  }
  return found;
}

export function comparePk(a: PkValue, b: PkValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function queryRows(segments: readonly Segment[], ts: bigint, spec: QuerySpec): Record<string, unknown>[] {
  const found = collect(segments, ts, spec.filter);
  const keys = [...found.keys()].sort(comparePk);
  const end = spec.limit === undefined ? keys.length : spec.offset + spec.limit;
  checkOutputSize('query', Math.max(0, Math.min(end, keys.length) - spec.offset), spec.output);
  return keys.slice(spec.offset, end).map((pk) => {
    const at = found.get(pk)!;
    return materializeRow(spec.output, at.seg, at.row, spec.later);
  });
}

/** Like queryRows, but the first offset + limit rows with their keys and write timestamps (offset not applied). */
export function queryPartialRows(segments: readonly Segment[], ts: bigint, spec: QuerySpec): PartialRow[] {
  const found = collect(segments, ts, spec.filter);
  if (spec.orderBy) return orderedPartialRows(found, spec, spec.orderBy);
  const keys = [...found.keys()].sort(comparePk);
  const end = spec.limit === undefined ? keys.length : spec.offset + spec.limit;
  checkOutputSize('query', Math.min(end, keys.length), spec.output);
  return keys.slice(0, end).map((pk) => {
    const at = found.get(pk)!;
    return { pk, ts: at.ts, row: materializeRow(spec.output, at.seg, at.row, spec.later) };
  });
}

export function countRows(segments: readonly Segment[], ts: bigint, filter: RowFilter | undefined): number {
  return collect(segments, ts, filter).size;
}

/**
 * The keys of `pks` that have a row visible at snapshot ts, in the order given and each once:
 * what a delete by key actually removes (Milvus counts deleted rows that existed, so a delete
 * of a missing key reports 0).
 */
export function existingKeys(segments: readonly Segment[], ts: bigint, pks: readonly PkValue[]): PkValue[] {
  const out: PkValue[] = [];
  const seen = new Set<PkValue>();
  for (const pk of pks) {
    if (seen.has(pk)) continue;
    seen.add(pk);
    if (segments.some((seg) => seg.hasPk(pk) && seg.rowsOf(pk).some((r) => visibleAt(seg, r, ts)))) out.push(pk);
  }
  return out;
}

function visibleAt(seg: Segment, row: number, ts: bigint): boolean {
  if (seg.rowTimestamp(row) > ts) return false;
  const d = seg.deleteTimestamp(row);
  return d === 0n || d > ts;
}

/** Primary keys of the rows matching a filter at a snapshot, ascending. */
export function queryKeys(segments: readonly Segment[], ts: bigint, filter: RowFilter | undefined): PkValue[] {
  return [...collect(segments, ts, filter).keys()].sort(comparePk);
}

/** An ordered query's partial: its first offset + limit rows by the order keys, each carrying its order values. */
function orderedPartialRows(found: Map<PkValue, Located>, spec: QuerySpec, orderBy: readonly OrderBy[]): PartialRow[] {
  const rows = [...found].map(([pk, at]) => ({ pk, at, order: orderValues(orderBy, at.seg, at.row) }));
  rows.sort((a, b) => compareOrder(orderBy, a.order, b.order) || comparePk(a.pk, b.pk));
  const end = spec.limit === undefined ? rows.length : spec.offset + spec.limit;
  checkOutputSize('query', Math.min(end, rows.length), spec.output);
  return rows.slice(0, end).map(({ pk, at, order }) => ({ pk, ts: at.ts, row: materializeRow(spec.output, at.seg, at.row, spec.later), order }));
}
