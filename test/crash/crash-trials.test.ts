/**
 * The crash-trial slice in `npm test`: 20 SIGKILL trials of a child process writing to a file
 * database (crash-trials.ts), each verified after reopening. Seeded by VESPER_SEED (printed);
 * the long run is `npm run crash-trials -- --trials 200`.
 */
import { describe, expect, it } from 'vitest';
import { testSeed } from '@vesper/core';
import { runCrashTrials } from './crash-trials.ts';

const seed = testSeed(process.env.VESPER_SEED);

describe(`crash trials: SIGKILL of a writing process (seed ${seed})`, () => {
  it('20 trials: acknowledged batches present and whole, deletes kept, search exact', async () => {
    // two children at a time and kills within 0.8 s keep the slice well inside its time budget
    const results = await runCrashTrials(20, seed, { concurrency: 2, maxKillMs: 800 });
    const failed = results.filter((r) => r.failures.length > 0).map((r) => `seed ${r.seed}: ${r.failures.join('; ')}`);
    expect(failed).toEqual([]);
    expect(results.reduce((n, r) => n + r.acknowledged, 0)).toBeGreaterThan(0);
  }, 85_000);
});
