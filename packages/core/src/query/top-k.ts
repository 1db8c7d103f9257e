/**
 * Top-k bookkeeping shared by every searcher: a bounded heap that keeps the k best
 * candidates by a "key" where smaller is better (distance for L2/HAMMING/JACCARD, minus the
 * similarity for IP/COSINE), and reduceTopK, which merges per-segment results into the
 * global answer (Milvus's reduce in the proxy and the shard delegator), dropping repeated
 * primary keys.
 */
import type { MetricType } from '../schema/types.ts';
import { isSimilarityMetric } from '../index/vector-index.ts';

/** Smaller key = better hit. */
export function keyOf(metric: MetricType, distance: number): number {
  return isSimilarityMetric(metric) ? -distance : distance;
}

/** Keeps the k smallest keys seen (a max-heap on key, ties: larger tiebreak is worse). */
export class BoundedHeap<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];
  constructor(readonly k: number) {}

  get size(): number {
    return this.keys.length;
  }

  /** The worst key kept, or +Infinity while not full. */
  get threshold(): number {
    return this.keys.length < this.k ? Infinity : this.keys[0]!;
  }

  push(key: number, item: T): void {
    if (this.k <= 0) return;
    if (this.keys.length < this.k) {
      this.keys.push(key);
      this.items.push(item);
      this.up(this.keys.length - 1);
    } else if (key < this.keys[0]!) {
      this.keys[0] = key;
      this.items[0] = item;
      this.down(0);
    }
  }

  /** Items best first. */
  sorted(): { key: number; item: T }[] {
    return this.keys.map((key, i) => ({ key, item: this.items[i]! })).sort((a, b) => a.key - b.key);
  }

  private up(i: number): void {
    const { keys, items } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! >= keys[i]!) break;
      [keys[p], keys[i]] = [keys[i]!, keys[p]!];
      [items[p], items[i]] = [items[i]!, items[p]!];
      i = p;
    }
  }

  private down(i: number): void {
    const { keys, items } = this;
    const n = keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && keys[l]! > keys[m]!) m = l;
      if (r < n && keys[r]! > keys[m]!) m = r;
      if (m === i) return;
      [keys[m], keys[i]] = [keys[i]!, keys[m]!];
      [items[m], items[i]] = [items[i]!, items[m]!];
      i = m;
    }
  }
}

export interface Hit {
  /** Index into the searched segment list. */
  readonly seg: number;
  readonly row: number;
  readonly distance: number;
  readonly pk: bigint | string;
}

/**
 * Merges per-segment hit lists (each best first) into the best `k` hits for one query,
 * best first; a primary key appears once (its best hit). Ties keep segment order.
 */
export function reduceTopK(lists: readonly (readonly Hit[])[], k: number, metric: MetricType): Hit[] {
  const all: Hit[] = [];
  for (const l of lists) for (const h of l) all.push(h);
  all.sort((a, b) => keyOf(metric, a.distance) - keyOf(metric, b.distance) || a.seg - b.seg || a.row - b.row);
  const seen = new Set<bigint | string>();
  const out: Hit[] = [];
  for (const h of all) {
    if (seen.has(h.pk)) continue;
    seen.add(h.pk);
    out.push(h);
    if (out.length === k) break;
  }
  return out;
}

/** Whether a distance lies in the range-search window (Milvus semantics). */
export function inRange(metric: MetricType, d: number, radius: number | undefined, rangeFilter: number | undefined): boolean {
  if (isSimilarityMetric(metric)) {
    return (radius === undefined || d > radius) && (rangeFilter === undefined || d <= rangeFilter);
  }
  return (radius === undefined || d < radius) && (rangeFilter === undefined || d >= rangeFilter);
}
