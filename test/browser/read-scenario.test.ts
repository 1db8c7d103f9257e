/**
 * The read pipeline's shared equivalence scenario (test/read/read-scenario.ts) in Chromium: an
 * `opfs://` database whose engine worker sends its read plans to three query workers answers
 * exactly as an engine worker alone (`memory://`, no query workers). Node and workerd run the
 * same scenario.
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase, type BrowserDatabase } from '../../packages/browser/src/index.ts';
import { readScenario, type Call } from '../read/read-scenario.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();

/** The database's client method of that name (the engine's method names). */
function caller(db: BrowserDatabase): Call {
  const methods = db as unknown as Record<string, (req: Record<string, unknown>) => Promise<unknown>>;
  return (method, req) => methods[method]!.call(db, req);
}

describe(`read scenario in Chromium (seed ${seed})`, () => {
  it('query workers = one engine worker alone', async () => {
    console.log(`read scenario seed ${seed}`);
    const subject = await openDatabase(`opfs://${freshName('read-scenario')}`, { kernels: kernelsUrl, queryWorkers: 3 });
    const reference = await openDatabase('memory://', { kernels: kernelsUrl, queryWorkers: 0 });
    try {
      // after each round's writes: give the query workers a moment to take the new segments
      // (until then the engine worker answers alone, which must agree too)
      const settle = async () => {
        for (let i = 0; i < 25; i++) {
          const before = (await subject.queryWorkerStats()).reads;
          await subject.count({ collection_name: 'read_scenario', consistency_level: 'Strong' });
          if ((await subject.queryWorkerStats()).reads > before) return;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      expect(await readScenario(seed, caller(subject), caller(reference), { settle })).toEqual([]);
      expect((await subject.queryWorkerStats()).reads, `seed ${seed}: the query workers answered reads`).toBeGreaterThan(0);
    } finally {
      await subject.close();
      await reference.close();
    }
  });
});
