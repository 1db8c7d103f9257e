/**
 * Issue 18's shared semantics scenario (test/read/semantics-scenario.ts) in Node: a VesperClient
 * over a ProxyNode whose sealed segments are read by two in-thread readers (LocalReaderPool), as
 * the read scenario runs. Chromium runs the same scenario with query workers
 * (test/browser/semantics-scenario.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { LocalTransport, ProxyNode, VesperClient, createMemoryStorage, getIndexFactory, testSeed } from '@vesper/core';
import { LocalReaderPool } from '@vesper/core/distributed';
import { loadKernelsNode } from '@vesper/core/node';
import { semanticsScenario } from '../read/semantics-scenario.ts';

const seed = testSeed(process.env['VESPER_SEED']);

describe(`issue 18 semantics in Node (seed ${seed})`, () => {
  it('read options, TTL, partition load, iterators, partial update, properties, functions, type checks, SDK calls', async () => {
    console.log(`semantics scenario seed ${seed}`);
    await loadKernelsNode(); // index builds need the kernels
    const storage = createMemoryStorage();
    const background: unknown[] = [];
    const pool = new LocalReaderPool(2, storage.objects, getIndexFactory);
    const proxy = await ProxyNode.open(storage, { indexFactory: getIndexFactory, readers: pool, onBackgroundError: (e) => background.push(e) });
    const db = new VesperClient(new LocalTransport(proxy));
    try {
      expect(await semanticsScenario(db, seed, { settle: () => proxy.idle() })).toEqual([]);
      // the readers answered for sealed segments
      expect(pool.stats().segments, `seed ${seed}`).toBeGreaterThan(0);
      expect(background, 'background errors (index builds, flushes)').toEqual([]);
    } finally {
      await db.close();
      pool.close();
    }
  }, 60_000);
});
