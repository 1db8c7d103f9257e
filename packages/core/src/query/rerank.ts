/**
 * Scores of a read in one place: how a metric's distances rank (`keyOf` in top-k.ts orders
 * them), how a hybrid search normalizes them, and how its reranker fuses ranked lists
 * (Milvus's RRF and weighted rerankers):
 * - RRF: score = Σ 1 / (k + rank), rank counted from 1 in each list (k defaults to 60);
 * - weighted: score = Σ wᵢ · norm(distanceᵢ), with Milvus's normalizations (L2: 1 − 2·atan(d)/π,
 *   IP: 0.5 + atan(d)/π, COSINE: (1 + d)/2, BM25: 2·atan(d)/π, HAMMING/JACCARD like L2).
 * A new scorer (BM25) adds its metric here and nowhere else in the read pipeline.
 */
import { VesperError } from '../errors/index.ts';
import type { MetricType } from '../schema/types.ts';
import type { PartialHit, Reranker } from './read-plan.ts';
import { showValue } from '../util/show-value.ts';

export type { Reranker };

export function normalizeDistance(metric: MetricType, d: number): number {
  if (metric === 'COSINE') return (1 + d) * 0.5;
  if (metric === 'IP') return 0.5 + Math.atan(d) / Math.PI;
  // BM25 scores are >= 0, larger is better (Milvus: 2·atan(d)/π)
  if (metric === 'BM25') return (2 * Math.atan(d)) / Math.PI;
  return 1 - (2 * Math.atan(d)) / Math.PI;
}

/**
 * `round_decimal`: a final score rounded half up to `decimals` places, as Milvus's reduce does
 * (floor(x·10^d + 0.5) / 10^d).
 */
export function roundScore(score: number, decimals: number): number {
  const m = 10 ** decimals;
  return Math.floor(score * m + 0.5) / m;
}

export interface Fused {
  readonly score: number;
  readonly hit: PartialHit;
}

/**
 * The reranker of a hybrid search: takes one ranked hit list per sub-search (for one query
 * vector) and returns the fused list, best first (ties by primary key).
 * @throws PARAMETER_INVALID for an unknown strategy or bad params.
 */
export function makeReranker(rr: Reranker, metrics: readonly MetricType[]): (lists: readonly (readonly PartialHit[])[]) => Fused[] {
  const strategy = typeof rr.strategy === 'string' ? (rr.strategy as string).toLowerCase() : rr.strategy;
  for (const key in rr) {
    if (Object.hasOwn(rr, key) && key !== 'strategy' && key !== 'params') throw new VesperError('PARAMETER_INVALID', `rerank does not take ${showValue(key)} (it takes strategy, params)`, { param: key });
  }
  const own = strategy === 'rrf' ? 'k' : strategy === 'weighted' ? 'weights' : undefined;
  if (own !== undefined && rr.params !== undefined) {
    if (rr.params === null || typeof rr.params !== 'object') throw new VesperError('PARAMETER_INVALID', `rerank params must be an object, got ${showValue(rr.params)}`);
    for (const key in rr.params) {
      if (Object.hasOwn(rr.params, key) && key !== own) throw new VesperError('PARAMETER_INVALID', `${String(strategy)} rerank does not take param ${showValue(key)} (it takes ${own})`, { param: key });
    }
  }
  const fuse = (score: (i: number, rank: number, h: PartialHit) => number) => (lists: readonly (readonly PartialHit[])[]) => {
    const acc = new Map<bigint | string, { score: number; hit: PartialHit }>();
    lists.forEach((list, i) =>
      list.forEach((h, rank) => {
        const cur = acc.get(h.pk);
        const s = score(i, rank + 1, h);
        if (cur) cur.score += s;
        else acc.set(h.pk, { score: s, hit: h });
      }),
    );
    return [...acc.values()].sort((a, b) => b.score - a.score || (a.hit.pk < b.hit.pk ? -1 : 1));
  };
  if (strategy === 'rrf') {
    const k = rr.params?.k ?? 60;
    if (typeof k !== 'number' || !(k > 0 && k < 16384)) throw new VesperError('PARAMETER_INVALID', `rrf k must be in (0, 16384), got ${String(k)}`);
    return fuse((_i, rank) => 1 / (k + rank));
  }
  if (strategy === 'weighted') {
    const w = rr.params?.weights;
    if (!Array.isArray(w) || w.length !== metrics.length || w.some((x) => typeof x !== 'number' || !(x >= 0 && x <= 1))) {
      throw new VesperError('PARAMETER_INVALID', `weighted rerank needs one weight in [0, 1] per sub-search (${metrics.length}), got ${showValue(w)}`);
    }
    return fuse((i, _rank, h) => w[i]! * normalizeDistance(metrics[i]!, h.distance));
  }
  throw new VesperError('PARAMETER_INVALID', `unknown rerank strategy ${showValue(rr.strategy)}: use rrf or weighted`);
}
