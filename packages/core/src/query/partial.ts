/**
 * Search and query split over several holders of a collection's segments (Milvus's segcore
 * results reduced by the shard delegator, then by the proxy): each holder — a writer with
 * its growing segments, a reader with some sealed ones — computes a partial answer with the
 * rows already materialized, and `mergeSearch` / `mergeQuery` combine partials into the
 * answer one holder of every segment would give. Partials are plain data (bigint, strings,
 * numbers, arrays), so they cross postMessage and Durable Object RPC unchanged.
 *
 * Primary keys of one shard live with one writer, and a key written again hides its older
 * rows (last write wins), so a key is live in at most one segment; the merges still keep one
 * row per key (the best hit; for queries the newest row) as the single-node reduce does.
 */
import type { MetricType } from '../schema/types.ts';
import type { PkValue } from '../segments/segment.ts';
import type { GroupBy, OrderBy, PartialHit, PartialRow, PartialSearch } from './read-plan.ts';
import { compareOrder } from './order-by.ts';
import { keyOf } from './top-k.ts';
import { comparePk } from './query-executor.ts';

export type { PartialHit, PartialSearch, PartialRow };

export interface MergeSpec {
  readonly metric: MetricType;
  readonly limit: number;
  readonly offset: number;
  readonly groupBy?: Pick<GroupBy, 'size'>;
  /** Groups kept (default offset + limit; a level below the top keeps them all). */
  readonly groups?: number;
}

/**
 * Combines partials (one per holder; each per query) into the final hits per query, offset
 * applied. Ties in distance keep holder order, then position.
 */
export function mergeSearch(parts: readonly PartialSearch[], spec: MergeSpec): PartialHit[][] {
  const nq = parts.reduce((n, p) => Math.max(n, p.length), 0);
  const want = spec.offset + spec.limit;
  const out: PartialHit[][] = [];
  for (let q = 0; q < nq; q++) {
    const all: { hit: PartialHit; key: number; part: number; pos: number }[] = [];
    parts.forEach((p, part) => (p[q] ?? []).forEach((hit, pos) => all.push({ hit, key: keyOf(spec.metric, hit.distance), part, pos })));
    all.sort((a, b) => a.key - b.key || a.part - b.part || a.pos - b.pos);
    const seen = new Set<PkValue>();
    const best: PartialHit[] = [];
    for (const { hit } of all) {
      if (seen.has(hit.pk)) continue;
      seen.add(hit.pk);
      best.push(hit);
    }
    if (!spec.groupBy) {
      out.push(best.slice(spec.offset, want));
      continue;
    }
    const buckets = new Map<unknown, PartialHit[]>();
    for (const h of best) {
      let b = buckets.get(h.group);
      if (!b) {
        if (buckets.size >= (spec.groups ?? want)) continue;
        b = [];
        buckets.set(h.group, b);
      }
      if (b.length < spec.groupBy.size) b.push(h);
    }
    out.push([...buckets.values()].slice(spec.offset).flat());
  }
  return out;
}

/** Combines query partials: one row per key (the newest), ordered by key, offset and limit applied. */
export function mergeQuery(parts: readonly (readonly PartialRow[])[], offset: number, limit: number | undefined): Record<string, unknown>[] {
  return mergeQueryPartials(parts, offset, limit).map((r) => r.row);
}

/**
 * mergeQuery keeping keys and timestamps (for a further merge, e.g. across shards); with
 * `orderBy`, ordered by the rows' order values, ties by key.
 */
export function mergeQueryPartials(parts: readonly (readonly PartialRow[])[], offset: number, limit: number | undefined, orderBy?: readonly OrderBy[]): PartialRow[] {
  const byKey = new Map<PkValue, PartialRow>();
  for (const p of parts) {
    for (const r of p) {
      const prev = byKey.get(r.pk);
      if (!prev || r.ts > prev.ts) byKey.set(r.pk, r);
    }
  }
  const keys = [...byKey.keys()].sort(comparePk);
  if (orderBy) keys.sort((a, b) => compareOrder(orderBy, byKey.get(a)!.order ?? [], byKey.get(b)!.order ?? []) || comparePk(a, b));
  const end = limit === undefined ? keys.length : offset + limit;
  return keys.slice(offset, end).map((k) => byKey.get(k)!);
}
