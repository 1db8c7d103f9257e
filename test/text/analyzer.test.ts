/** The analyzer scenario (test/text/analyzer-cases.ts) in Node; workerd and Chromium run it too. */
import { describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { analyzerScenario } from './analyzer-cases.ts';

const seed = testSeed(process.env['VESPER_SEED']);

describe(`analyzers in Node (seed ${seed})`, () => {
  it('golden tokens, coded errors, standard tokenizer vs naive oracle, term ids', async () => {
    console.log(`analyzer scenario seed ${seed}`);
    expect(await analyzerScenario(seed)).toEqual([]);
  });
});
