/**
 * The read pipeline's shared equivalence scenario (test/read/read-scenario.ts) in Node: the
 * proxy tasks with three in-thread readers (LocalReaderPool) answer exactly as one ProxyNode
 * alone. Chromium (query workers) and workerd (DOs) run the same scenario.
 */
import { describe, expect, it } from 'vitest';
import { ProxyNode, createMemoryStorage, getIndexFactory, testSeed } from '@vesper/core';
import { LocalReaderPool } from '@vesper/core/distributed';
import { loadKernelsNode } from '@vesper/core/node';
import { readScenario } from '../read/read-scenario.ts';

const seed = testSeed(process.env['VESPER_SEED']);

describe(`read scenario in Node (seed ${seed})`, () => {
  it('proxy tasks with a reader pool = one ProxyNode', async () => {
    console.log(`read scenario seed ${seed}`);
    await loadKernelsNode(); // without the kernels no index is ever built (a background error)
    const background: unknown[] = [];
    const storage = createMemoryStorage();
    const pool = new LocalReaderPool(3, storage.objects, getIndexFactory);
    const subject = await ProxyNode.open(storage, { indexFactory: getIndexFactory, readers: pool, onBackgroundError: (e) => background.push(e) });
    const reference = await ProxyNode.open(createMemoryStorage(), { indexFactory: getIndexFactory, onBackgroundError: (e) => background.push(e) });
    try {
      const diffs = await readScenario(seed, (m, r) => subject.handle(m, r), (m, r) => reference.handle(m, r), { settle: () => subject.idle() });
      expect(diffs).toEqual([]);
      // the readers answered for sealed segments
      expect(pool.stats().segments, `seed ${seed}`).toBeGreaterThan(0);
      expect(background, 'background errors (index builds, flushes)').toEqual([]);
    } finally {
      await subject.close();
      await reference.close();
      pool.close();
    }
  });
});
