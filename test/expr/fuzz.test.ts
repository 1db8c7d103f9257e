/**
 * Fuzz test: tens of thousands of random strings and mutated well-formed filters. Compiling
 * must either succeed or throw VesperError 1100 — never another exception, a stack overflow or
 * a hang — and whatever compiles must evaluate (plain and indexed) without throwing.
 */
import { describe, expect, test } from 'vitest';
import { VesperError } from '../../packages/core/src/errors/index.ts';
import { compileFilter } from '../../packages/core/src/expr/index.ts';
import { Random, testSeed } from '../../packages/core/src/util/random.ts';
import { dataset } from './harness.ts';
import { randomFilter } from './random-filter.ts';

const seed = testSeed(process.env.VESPER_SEED);
const ds = dataset(seed, 64);

const PIECES = [
  '(', ')', '[', ']', '{', '}', ',', '"', "'", '\\', ' ', '<', '>', '=', '!', '&', '|', '^', '~', '+', '-', '*', '/', '%', '.', '**',
  '0', '1', '9', '0x', '0b', '07', '1e', '1.5', 'e', '_', '$meta', 'and', 'or', 'not', 'in', 'like', 'is', 'null', 'exists', 'AND', 'NOT',
  'true', 'False', 'i32', 'i64', 's', 'b', 'j', 'ai', 'as', 'vec', 'age', 'json_contains', 'array_contains_all', 'array_length',
  'text_match', 'random_sample', '"a%"', '9223372036854775808', '\\x4', '\\u12', '\n', '\t', '😀', '\u0000', '{p0}',
];

function randomString(r: Random): string {
  let s = '';
  const n = r.int(24);
  for (let i = 0; i < n; i++) s += r.bool(0.8) ? r.pick(PIECES) : String.fromCharCode(r.int(0x3000));
  return s;
}

function mutate(r: Random, s: string): string {
  let out = s;
  const edits = r.range(1, 3);
  for (let k = 0; k < edits; k++) {
    const at = r.int(out.length + 1);
    switch (r.int(5)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + r.range(1, 4));
        break;
      case 1:
        out = out.slice(0, at) + r.pick(PIECES) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at);
        break;
      case 3: {
        const b = r.int(out.length + 1);
        out = out.slice(0, at) + out.slice(Math.min(at, b), Math.max(at, b)) + out.slice(at);
        break;
      }
      default:
        out = out.slice(0, at) + String.fromCharCode(r.int(128)) + out.slice(at + 1);
    }
  }
  return out;
}

function attempt(expr: string, params: Record<string, unknown>, ctx: string): boolean {
  let f;
  try {
    f = compileFilter(expr, ds.schema, params);
  } catch (e) {
    if (!(e instanceof VesperError) || e.code !== 1100) {
      throw new Error(`${ctx}: non-1100 failure for ${JSON.stringify(expr)}: ${String(e)}`, { cause: e });
    }
    expect(e.message.startsWith('cannot parse expression: '), `${ctx}: ${e.message}`).toBe(true);
    return false;
  }
  try {
    f.evaluate(ds.plain);
    f.evaluate(ds.indexed);
  } catch (e) {
    throw new Error(`${ctx}: evaluation threw for ${JSON.stringify(expr)}: ${String(e)}`, { cause: e });
  }
  return true;
}

describe(`fuzz: only coded errors (seed ${seed})`, () => {
  test('20,000 random strings', () => {
    const r = new Random(seed);
    for (let k = 0; k < 20_000; k++) attempt(randomString(r), { p0: r.bool() ? 1 : 'x' }, `seed=${seed} case=${k}`);
  });

  test('20,000 mutated well-formed filters', () => {
    const r = new Random(seed ^ 0xf022);
    let accepted = 0;
    const t0 = Date.now();
    for (let k = 0; k < 20_000; k++) {
      const g = randomFilter(r, 2);
      if (attempt(mutate(r, g.expr), g.params, `seed=${seed} case=${k}`)) accepted++;
    }
    expect(accepted, `seed=${seed}`).toBeGreaterThan(1000);
    expect(Date.now() - t0, `seed=${seed}: fuzzing should not be slow`).toBeLessThan(30_000);
  });

  test('pathological inputs stay fast', () => {
    const slow = [
      's like "' + '%a'.repeat(200) + 'b"',
      '"'.repeat(10_000),
      '('.repeat(100_000),
      'i32 in [' + '1,'.repeat(50_000) + '1]',
      'i32 > 1 and '.repeat(10_000) + 'i32 > 1',
      '[' .repeat(10_000),
      'exists '.repeat(10_000) + 'j',
      'j' + '["a"]'.repeat(10_000) + ' == 1',
    ];
    for (const e of slow) {
      const t0 = Date.now();
      attempt(e, {}, `seed=${seed} pathological`);
      expect(Date.now() - t0, e.slice(0, 40)).toBeLessThan(3000);
    }
    const long = compileFilter('s like "' + '%a'.repeat(200) + 'b"', ds.schema);
    const big = { rowCount: 1, column: (n: string) => (n === 's' ? { type: 21, length: 1, data: ['a'.repeat(5000)] } : undefined) } as Parameters<typeof long.evaluate>[0];
    const t0 = Date.now();
    expect(long.evaluate(big).count()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
