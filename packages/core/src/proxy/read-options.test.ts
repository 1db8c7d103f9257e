import { describe, expect, it } from 'vitest';
import { takeOptions } from './read-options.ts';

describe('takeOptions', () => {
  const OPTS = [['ignore_growing', 'ignoreGrowing'], ['round_decimal'], ['order_by_fields', 'orderByFields', 'order_by']] as const;

  it('reads each option from the top level or params, and removes its aliases from params', () => {
    const params: Record<string, unknown> = { ef: 64, ignoreGrowing: true, order_by: 'a' };
    const got = takeOptions({ collection_name: 'c', round_decimal: 2 }, params, ...OPTS);
    expect(got).toEqual([true, 2, 'a']);
    expect(params).toEqual({ ef: 64 });
  });

  it('the first alias given wins; for one alias the top level wins over params', () => {
    const params: Record<string, unknown> = { ignore_growing: 'false', orderByFields: 'p', round_decimal: 3 };
    const got = takeOptions({ ignoreGrowing: true, order_by: 't', round_decimal: 1 }, params, ...OPTS);
    expect(got).toEqual(['false', 1, 'p']);
    expect(params).toEqual({});
  });

  it('an undefined top-level value is no value; options not given are undefined', () => {
    const got = takeOptions({ ignore_growing: undefined }, undefined, ...OPTS);
    expect(got).toEqual([undefined, undefined, undefined]);
    expect(got.length).toBe(3);
  });
});
