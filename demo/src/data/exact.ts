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

/**
 * Exact top-k of several queries over rows that arrive batch by batch (a scan of the whole
 * collection), so a million vectors never sit in the page at once: each query keeps its k best
 * so far. Ties go to the row seen first, as in exactTopK (a scan in primary-key order).
 */
export class StreamingTopK {
  private readonly sign: number;
  private readonly best: { id: unknown; s: number }[][];
  private readonly qNorms: number[];
  seen = 0;

  constructor(
    private readonly metric: string,
    private readonly queries: readonly ArrayLike<number>[],
    private readonly k: number,
  ) {
    this.sign = largerIsNearer(metric) ? -1 : 1;
    this.best = queries.map(() => []);
    this.qNorms = queries.map((q) => {
      let n = 0;
      for (let i = 0; i < q.length; i++) n += q[i]! * q[i]!;
      return n;
    });
  }

  /** Scores one batch of rows (ids[i] has vectors[i]) against every query. */
  add(ids: readonly unknown[], vectors: readonly ArrayLike<number>[]): void {
    const cosine = this.metric !== 'L2' && this.metric !== 'IP';
    for (let r = 0; r < vectors.length; r++) {
      const v = vectors[r]!;
      let nv = 0;
      if (cosine) for (let i = 0; i < v.length; i++) nv += v[i]! * v[i]!;
      for (let j = 0; j < this.queries.length; j++) {
        const q = this.queries[j]!;
        let acc = 0;
        if (this.metric === 'L2') {
          for (let i = 0; i < q.length; i++) {
            const d = q[i]! - v[i]!;
            acc += d * d;
          }
        } else {
          for (let i = 0; i < q.length; i++) acc += q[i]! * v[i]!;
          if (cosine) acc = nv === 0 || this.qNorms[j] === 0 ? 0 : acc / Math.sqrt(this.qNorms[j]! * nv);
        }
        this.offer(this.best[j]!, ids[r], this.sign * acc);
      }
    }
    this.seen += vectors.length;
  }

  /** Keeps the k smallest s, ascending; an equal s does not displace one seen earlier. */
  private offer(list: { id: unknown; s: number }[], id: unknown, s: number): void {
    if (list.length === this.k && !(s < list[list.length - 1]!.s)) return;
    let at = list.length;
    while (at > 0 && list[at - 1]!.s > s) at--;
    list.splice(at, 0, { id, s });
    if (list.length > this.k) list.pop();
  }

  /** Each query's ids, nearest first. */
  result(): unknown[][] {
    return this.best.map((l) => l.map((x) => x.id));
  }
}
