/**
 * Property test: thousands of random well-formed filters (random-filter.ts) evaluated by the
 * compiler — by plain scan, through scalar indexes (round-tripped through bytes), and under
 * random candidate subsets — must select exactly the rows the reference evaluator selects.
 * VESPER_SEED reproduces a run; the seed is in every failure message.
 */
import { describe, expect, test } from 'vitest';
import { Random, testSeed } from '../../packages/core/src/util/random.ts';
import { checkAgainstReference, dataset } from './harness.ts';
import { randomFilter } from './random-filter.ts';

const seed = testSeed(process.env.VESPER_SEED);
const FILTERS = 4000;

describe(`compiled filters agree with the reference (seed ${seed})`, () => {
  test(`${FILTERS} random filters over 400 rows, with and without scalar indexes`, () => {
    const ds = dataset(seed, 400);
    const r = new Random(seed);
    let nonEmpty = 0;
    for (let k = 0; k < FILTERS; k++) {
      const g = randomFilter(r, 3);
      const want = checkAgainstReference(ds, g.expr, g.params, r);
      if (want.length > 0 && want.length < ds.rows.length) nonEmpty++;
    }
    // the generator must produce selective filters, or agreement would be vacuous
    expect(nonEmpty, `seed=${seed}`).toBeGreaterThan(FILTERS / 3);
  });

  test('a second table and seed, shallower filters', () => {
    const ds = dataset(seed ^ 0x51ed, 200);
    const r = new Random(seed ^ 0x51ed);
    for (let k = 0; k < 500; k++) {
      const g = randomFilter(r, 2);
      checkAgainstReference(ds, g.expr, g.params, r);
    }
  });
});
