/**
 * One re-rank across segments (issue 17): indexes that re-rank approximate candidates by range
 * (IVF_PQ) each find, per query, their best `want` = ceil(k × refine_k) candidates by code-scan
 * distance. Re-ranking each segment's own `want` reads `segments × want` rows a query; but the
 * code-scan distances of the indexes of one field estimate the same true distance, so they
 * compare across segments: the global best few `want` (a margin, below) hold the top k about
 * as well. The cut keeps those; each index then reads and re-ranks only its share, and the
 * usual merge (reduceTopK) picks the top k among the re-ranked.
 *
 * The margin, measured (10 segments of 10k×64 clustered rows, m = dim/4, nprobe 16, refine_k 4,
 * recall@10 against exact search; re-rank rows a query): the cut at exactly `want` keeps 40 rows
 * but loses recall where code-scan distances are noisy next to the gaps between neighbours
 * (L2 0.987, IP 0.897, COSINE 0.762, against 1.000 / 1.000 / 0.997 for 400 rows per segment);
 * twice `want` plus a quarter of `want` per segment keeps ≈ 105 rows at L2 1.000, IP 0.989,
 * COSINE 0.940. Raising refine_k buys back the rest (docs/BENCHMARKS.md).
 *
 * A query an index answers exactly (a selective filter: every allowed row re-ranked) has no
 * approximate distances and takes no part in the cut.
 */
import type { CandidateCut, SearchCandidates } from '../index/vector-index.ts';

/** The cut keeps the global best CUT_WIDEN × want candidates a query... */
export const CUT_WIDEN = 2;

/**
 * ...and each segment at least CUT_FLOOR × want (rounded up) of its own best, when it found
 * that many: a margin for a segment whose codebooks over-estimate distances more than the
 * others' (each segment trains its own).
 */
export const CUT_FLOOR = 0.25;

/**
 * Per index, its share of a cut across `found` (what each index's `candidates` returned for
 * one search of nq queries; undefined for an index that takes no part): per query, the global
 * best CUT_WIDEN × max(want) candidates by approximate distance, each index keeping at least
 * ceil(CUT_FLOOR × want) of its own. When one index alone takes part, its share keeps all it
 * found (its own best `want`, as without a cut), so its scan is not repeated.
 */
export function cutAcross(found: readonly (SearchCandidates | undefined)[], nq: number): (CandidateCut | undefined)[] {
  let taking = 0;
  let want = 0;
  for (const c of found) {
    if (c === undefined) continue;
    taking++;
    want = Math.max(want, c.want);
  }
  // one index alone re-ranks all it found (its scan is reused, not repeated by prepareSearch)
  if (taking < 2) return found.map((c) => (c === undefined ? undefined : { candidates: c, keep: new Int32Array(nq).fill(0x7fffffff) }));
  const floor = Math.ceil(CUT_FLOOR * want);
  const best = want * CUT_WIDEN;
  const keeps = found.map((c) => (c === undefined ? undefined : new Int32Array(nq)));
  const at = new Int32Array(found.length);
  for (let q = 0; q < nq; q++) {
    const lists = found.map((c) => c?.approx[q]);
    at.fill(0);
    // a merge of the ascending lists, `best` steps: at[s] ends as how many of list s are among the best
    for (let taken = 0; taken < best; taken++) {
      let from = -1;
      let bd = Infinity;
      for (let s = 0; s < lists.length; s++) {
        const l = lists[s];
        if (l === undefined || at[s]! >= l.length) continue;
        const d = l[at[s]!]!;
        if (from < 0 || d < bd) {
          from = s;
          bd = d;
        }
      }
      if (from < 0) break;
      at[from]!++;
    }
    for (let s = 0; s < lists.length; s++) {
      const keep = keeps[s];
      if (keep !== undefined) keep[q] = Math.max(at[s]!, Math.min(floor, lists[s]?.length ?? 0));
    }
  }
  return found.map((c, s) => (c === undefined ? undefined : { candidates: c, keep: keeps[s]! }));
}
