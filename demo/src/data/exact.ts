/**
 * Exact nearest neighbours by brute force in the page: the oracle recall@k is measured against.
 * Scores follow Milvus: COSINE and IP are similarities (larger is nearer), L2 is the squared
 * distance (smaller is nearer). Ties go to the lower row position, as the engine's FLAT does.
 */

export function score(metric: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0, l2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
    l2 += (x - y) * (x - y);
  }
  if (metric === 'L2') return l2;
  if (metric === 'IP') return dot;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export const largerIsNearer = (metric: string): boolean => metric !== 'L2';

/** Positions of the k nearest of `vectors` to `q` (an index into `ids`). */
export function exactTopK(metric: string, q: ArrayLike<number>, vectors: readonly ArrayLike<number>[], k: number): number[] {
  const sign = largerIsNearer(metric) ? -1 : 1;
  const scored = vectors.map((v, i) => ({ i, s: sign * score(metric, q, v) }));
  scored.sort((a, b) => a.s - b.s || a.i - b.i);
  return scored.slice(0, k).map((x) => x.i);
}

/** |found ∩ truth| / |truth|, comparing ids as strings (int64 ids may come back as strings). */
export function recall(found: readonly unknown[], truth: readonly unknown[]): number {
  if (truth.length === 0) return 1;
  const want = new Set(truth.map(String));
  return found.filter((id) => want.has(String(id))).length / truth.length;
}
