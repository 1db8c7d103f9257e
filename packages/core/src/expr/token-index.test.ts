/**
 * The token index (text_match / phrase_match) against a naive matcher that analyzes every row
 * and, for phrases, tries every in-order placement of the query's terms: seeded random
 * documents over a small vocabulary (so terms repeat inside rows), queries with repeated terms,
 * minimum_should_match 1–4, slop 0–3, null rows, masks, and a column that grows between
 * matches (the index takes in new rows). Seed: VESPER_SEED (printed in the test name).
 */
import { describe, expect, it } from 'vitest';
import { createAnalyzer } from '../text/analyzer.ts';
import type { Token } from '../text/token.ts';
import { Random, testSeed } from '../util/random.ts';
import { tokenIndexOf } from './token-index.ts';

const seed = testSeed(process.env.VESPER_SEED);
const VOCAB = ['vector', 'search', 'the', 'index', 'graph', 'of', 'edge', 'worker', 'query', 'Search', 'VECTOR'];

/** Least total deviation from the query's spacing over every in-order placement (brute force). */
function naivePhrase(doc: readonly Token[], terms: readonly Token[], slop: number): boolean {
  if (terms.length === 0) return false;
  const place = (i: number, after: number, prevPos: number, cost: number): boolean => {
    if (cost > slop) return false;
    if (i === terms.length) return true;
    for (const t of doc) {
      if (t.text !== terms[i]!.text || t.position <= after) continue;
      const extra = i === 0 ? 0 : Math.abs(t.position - prevPos - (terms[i]!.position - terms[i - 1]!.position));
      if (place(i + 1, t.position, t.position, cost + extra)) return true;
    }
    return false;
  };
  return place(0, -1, 0, 0);
}

function naiveAny(doc: readonly Token[], terms: ReadonlySet<string>, min: number): boolean {
  return new Set(doc.map((t) => t.text).filter((t) => terms.has(t))).size >= Math.max(1, min);
}

const bit = (w: Uint32Array, i: number): boolean => ((w[i >>> 5]! >>> (i & 31)) & 1) === 1;

describe(`token index (seed ${seed})`, () => {
  it('text_match and phrase_match equal a naive matcher, over a growing column', async () => {
    const rng = new Random(seed);
    const analyzer = await createAnalyzer({ type: 'standard' });
    const data: string[] = [];
    const addRows = (k: number): void => {
      for (let i = 0; i < k; i++) {
        // one row in ten is empty (how a null row is stored)
        data.push(rng.next() < 0.1 ? '' : Array.from({ length: rng.range(1, 12) }, () => rng.pick(VOCAB)).join(rng.bool() ? ' ' : ', '));
      }
    };
    let checked = 0;
    for (const grow of [120, 1, 0, 77, 300]) {
      addRows(grow);
      const n = data.length;
      const docs = data.map((t) => analyzer.analyze(t));
      const index = tokenIndexOf(data, analyzer, n);
      expect(index.rows).toBe(n);
      for (let q = 0; q < 25; q++) {
        const query = analyzer.analyze(Array.from({ length: rng.range(1, 5) }, () => rng.pick(VOCAB)).join(' '));
        const mask = new Uint32Array((n + 31) >>> 5);
        for (let i = 0; i < n; i++) if (rng.next() < 0.8) mask[i >>> 5]! |= 1 << (i & 31);
        const terms = new Set(query.map((t) => t.text));
        const min = rng.range(1, 4);
        const slop = rng.range(0, 3);
        const any = index.matchAny(terms, min, n);
        const phrase = index.matchPhrase(query, slop, mask, n);
        for (let i = 0; i < n; i++) {
          const ctx = `row ${i} "${data[i]}", query ${JSON.stringify(query.map((t) => t.text))}`;
          expect(bit(any, i), `${ctx} min ${min}`).toBe(naiveAny(docs[i]!, terms, min));
          // phrase bits are set for rows of the mask only
          expect(bit(phrase, i), `${ctx} slop ${slop}`).toBe(bit(mask, i) && naivePhrase(docs[i]!, query, slop));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('one index per column storage and analyzer; a query term absent from the column matches nothing', async () => {
    const analyzer = await createAnalyzer({ type: 'standard' });
    const data = ['vector search', 'edge worker'];
    const a = tokenIndexOf(data, analyzer, 2);
    expect(tokenIndexOf(data, analyzer, 2)).toBe(a);
    expect(a.terms).toBe(4);
    expect([...a.matchAny(new Set(['nothing']), 1, 2)]).toEqual([0]);
    expect([...a.matchPhrase(analyzer.analyze('vector nothing'), 3, new Uint32Array([3]), 2)]).toEqual([0]);
    expect([...a.matchPhrase(analyzer.analyze('vector search'), 0, new Uint32Array([3]), 2)]).toEqual([1]);
  });
});
