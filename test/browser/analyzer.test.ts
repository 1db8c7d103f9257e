/** The analyzer scenario (test/text/analyzer-cases.ts) in Chromium: the same tokens as Node and workerd. */
import { describe, expect, it } from 'vitest';
import { analyzerScenario } from '../text/analyzer-cases.ts';
import { browserSeed } from './browser-helpers.ts';

const seed = browserSeed();

describe(`analyzers in Chromium (seed ${seed})`, () => {
  it('golden tokens, coded errors, standard tokenizer vs naive oracle, term ids', async () => {
    console.log(`analyzer scenario seed ${seed}`);
    expect(await analyzerScenario(seed)).toEqual([]);
  });
});
