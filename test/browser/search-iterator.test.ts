/**
 * searchIterator in Chromium: the shared scenario (test/read/search-iterator-scenario.ts)
 * against exact search, on an `opfs://` database whose engine worker reads sealed segments
 * through two query workers — pages at one snapshot, pinned in the engine worker.
 */
import { describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { searchIteratorScenario } from '../read/search-iterator-scenario.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();

describe(`searchIterator in Chromium (seed ${seed})`, () => {
  it('pages in distance order equal exhaustive exact search', async () => {
    const db = await openDatabase(`opfs://${freshName('search-iterator')}`, { kernels: kernelsUrl, queryWorkers: 2 });
    try {
      expect(await searchIteratorScenario(db, seed, 'sit_browser', { rows: 600 })).toEqual([]);
    } finally {
      await db.close();
    }
  }, 60_000);
});
