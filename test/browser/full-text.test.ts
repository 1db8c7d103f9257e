/**
 * BM25 full-text search in Chromium: the scenario of test/text/full-text-scenario.ts in an
 * `opfs://` database whose engine runs in a worker and whose sealed segments are served by two
 * query workers — the collection-wide statistics round goes through them — checked against
 * the naive evaluator. Seeded (VESPER_SEED).
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { QUERIES, SEARCHES, compare, corpus, createTextCollection, matchCases, matchIds, oracle, textHits, writeCorpus, type TextDb } from '../text/full-text-scenario.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();

describe(`BM25 full-text search in the browser (seed ${seed})`, () => {
  it('opfs:// with 2 query workers: every search equals the naive evaluator', async () => {
    const db = await openDatabase(`opfs://${freshName('fts')}`, { kernels: kernelsUrl, queryWorkers: 2 });
    try {
      const t = db as unknown as TextDb;
      await createTextCollection(t, 'docs', 2);
      const alive = await writeCorpus(t, 'docs', corpus(seed, 300), true);
      // the query workers load the sealed segments in the background: wait until they answer
      for (let i = 0; i < 500; i++) {
        const before = (await db.queryWorkerStats()).reads;
        await db.count({ collection_name: 'docs', consistency_level: 'Strong' });
        if ((await db.queryWorkerStats()).reads > before) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const before = (await db.queryWorkerStats()).reads;
      for (const s of SEARCHES) {
        for (const q of QUERIES) {
          const got = await textHits(t, 'docs', q, 10, s.extra);
          expect(compare(got, await oracle(alive, q, s.keep), 10), `${s.name}: "${q}" seed ${seed}`).toBeUndefined();
        }
      }
      expect((await db.queryWorkerStats()).reads, `seed ${seed}: the query workers answered`).toBeGreaterThan(before);
      for (const c of await matchCases()) {
        const want = alive.filter(c.keep).map((d) => d.id).sort((a, b) => a - b);
        expect(await matchIds(db as never, 'docs', c.filter), `${c.filter} seed ${seed}`).toEqual(want);
      }
      // hybrid: the BM25 list fused with a dense one; weights [1, 0] leave the BM25 order (scores 2·atan(s)/π)
      const text = await textHits(t, 'docs', 'graph index latency', 10, {});
      const fused = await db.hybridSearch({
        collection_name: 'docs',
        data: [
          { anns_field: 'sparse', data: ['graph index latency'], limit: 10 },
          { anns_field: 'dense', data: [[0, 1, 0, 1]], limit: 10 },
        ],
        rerank: { strategy: 'weighted', params: { weights: [1, 0] } },
        limit: 10,
        consistency_level: 'Strong',
      } as never);
      const scores = (fused.results as unknown as { score: number }[]).slice(0, text.length).map((h) => h.score);
      scores.forEach((sc, i) => expect(sc, `seed ${seed}`).toBeCloseTo((2 * Math.atan(text[i]!.score)) / Math.PI, 6));
      const tokens = await db.runAnalyzer({ text: 'Running dogs', analyzer_params: { type: 'english' } });
      expect(tokens.results).toEqual([{ tokens: ['run', 'dog'] }]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
