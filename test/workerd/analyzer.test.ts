/** The analyzer scenario (test/text/analyzer-cases.ts) inside workerd: the same tokens as Node and Chromium. */
import { describe, expect, it } from 'vitest';
import { analyzerScenario } from '../text/analyzer-cases.ts';
import { workerdSeed } from './seeded.ts';

const seed = workerdSeed();

describe(`analyzers in workerd (seed ${seed})`, () => {
  it('golden tokens, coded errors, standard tokenizer vs naive oracle, term ids', async () => {
    console.log(`analyzer scenario seed ${seed}`);
    expect(await analyzerScenario(seed)).toEqual([]);
  });
});
