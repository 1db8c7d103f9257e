/**
 * Storage pressure in Node (test/fixtures/storage-pressure.ts): the quota runs out mid-stream
 * over memory storage and over files; refused writes are RESOURCE_EXHAUSTED and change
 * nothing, and no acknowledged row is lost across a reopen. Chromium runs the same scenario
 * over OPFS + IndexedDB (test/browser/storage-pressure.test.ts). Seed: VESPER_SEED.
 */
import { afterAll, describe, it } from 'vitest';
import { createMemoryStorage, testSeed } from '@vesper/core';
import { openFsStorage } from '@vesper/core/node';
import { quotaExhaustionScenario } from '../fixtures/storage-pressure.ts';
import { cleanup, tempDir } from '../fixtures/open.ts';

afterAll(cleanup);
const seed = testSeed(process.env.VESPER_SEED);

describe(`storage quota exhausted mid-stream (seed ${seed})`, () => {
  it('memory storage', async () => {
    const storage = createMemoryStorage();
    await quotaExhaustionScenario({ open: async () => storage, seed });
  });

  it('Node files', async () => {
    const dir = await tempDir();
    await quotaExhaustionScenario({ open: () => openFsStorage(dir), seed });
  });
});
