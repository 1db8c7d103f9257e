import { describe, expect, test } from 'vitest';
import { Random, testSeed } from '../util/random.ts';
import { compileLike, likeShape, validateLikePattern } from './like-pattern.ts';

function viaRegex(pattern: string, value: string): boolean {
  let re = '';
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i]!;
    if (ch === '\\') re += `\\u{${cps[++i]!.codePointAt(0)!.toString(16)}}`;
    else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += `\\u{${ch.codePointAt(0)!.toString(16)}}`;
  }
  return new RegExp(`^${re}$`, 'su').test(value);
}

describe('like patterns', () => {
  test('shapes', () => {
    expect(likeShape('abc')).toEqual({ kind: 'exact', literal: 'abc' });
    expect(likeShape('abc%')).toEqual({ kind: 'prefix', literal: 'abc' });
    expect(likeShape('%abc')).toEqual({ kind: 'suffix', literal: 'abc' });
    expect(likeShape('%abc%')).toEqual({ kind: 'infix', literal: 'abc' });
    expect(likeShape('a\\%b%')).toEqual({ kind: 'prefix', literal: 'a%b' });
    expect(likeShape('a_c%').kind).toBe('general');
    expect(likeShape('%')).toEqual({ kind: 'infix', literal: '' });
    expect(validateLikePattern('ab\\')).toMatch(/unfinished escape/);
    expect(validateLikePattern('ab\\\\')).toBeUndefined();
  });

  const seed = testSeed(process.env.VESPER_SEED);
  test(`random patterns agree with a regex (seed ${seed})`, () => {
    const r = new Random(seed);
    const alphabet = ['a', 'b', '%', '_', '\\', '😀', 'é'];
    for (let k = 0; k < 5000; k++) {
      let p = Array.from({ length: r.int(7) }, () => r.pick(alphabet)).join('');
      if (validateLikePattern(p) !== undefined) p += 'a';
      const v = Array.from({ length: r.int(7) }, () => r.pick(['a', 'b', '%', '_', '\\', '😀', 'é'])).join('');
      expect(compileLike(p)(v), `seed=${seed} ${JSON.stringify(p)} vs ${JSON.stringify(v)}`).toBe(viaRegex(p, v));
    }
  });
});
