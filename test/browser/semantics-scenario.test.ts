/**
 * Issue 18's shared semantics scenario (test/read/semantics-scenario.ts) in Chromium: an
 * `opfs://` database whose engine worker reads sealed segments through two query workers.
 * Node runs the same scenario (test/integration/semantics-scenario.test.ts).
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { semanticsScenario } from '../read/semantics-scenario.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();

describe(`issue 18 semantics in Chromium (seed ${seed})`, () => {
  it('read options, TTL, partition load, iterators, partial update, properties, functions, type checks, SDK calls', async () => {
    console.log(`semantics scenario seed ${seed}`);
    const db = await openDatabase(`opfs://${freshName('semantics')}`, { kernels: kernelsUrl, queryWorkers: 2 });
    try {
      // after a flush or load: give the query workers a moment to take the collection's new segments
      // (until then the engine worker answers alone); note the collections they answered for
      const answered = new Set<string>();
      const settle = async (collection: string) => {
        // index files change what the workers must hold: let the builds finish first
        for (let i = 0; i < 250; i++) {
          const d = await db.describeIndex({ collection_name: collection }).catch(() => undefined);
          if (d === undefined || d.index_descriptions.every((x) => x.pending_index_rows === '0')) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        // (the first time, the workers are still starting: seconds on a busy machine)
        for (const until = Date.now() + 10_000; Date.now() < until; ) {
          const before = (await db.queryWorkerStats()).reads;
          await db.count({ collection_name: collection, consistency_level: 'Strong' }).catch(() => undefined);
          if ((await db.queryWorkerStats()).reads > before) {
            answered.add(collection);
            return;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      expect(await semanticsScenario(db, seed, { settle })).toEqual([]);
      expect([...answered].sort(), `seed ${seed}: collections whose sealed segments the query workers read`).toEqual(['sem_gc', 'sem_main', 'sem_parts', 'sem_strict', 'sem_ttl', 'sem_ttl_alter']);
    } finally {
      await db.close();
    }
  }, 60_000);
});
