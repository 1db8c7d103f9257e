/**
 * Golden tests: every grammar production and semantic rule of spec/filter-grammar.md, each
 * checked against the reference evaluator on seeded random rows (plain scan, scalar indexes,
 * candidate subsets), plus hand-checked answers on a tiny table so the reference itself is
 * pinned, and the exact error shape for every rejection.
 */
import { describe, expect, test } from 'vitest';
import { compileFilter } from '../../packages/core/src/expr/index.ts';
import { VesperError } from '../../packages/core/src/errors/index.ts';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { Bitset } from '../../packages/core/src/util/bitset.ts';
import { checkAgainstReference, dataset } from './harness.ts';
import { columnSet, testSchema, toColumns, type Row } from './random-data.ts';
import { referenceMatches } from './reference-evaluator.ts';

const seed = testSeed(process.env.VESPER_SEED);
const ds = dataset(seed, 600);

const PRODUCTIONS: Record<string, readonly string[]> = {
  'comparison ops': ['i32 == 3', 'i32 != 3', 'i32 < 3', 'i32 <= 3', 'i32 > 3', 'i32 >= 3', '3 < i32', '3 >= i8', 's < "b"', 's >= "ab"'],
  'chained ranges': ['1 < i32 <= 5', '-3 <= i8 < 2', '5 > i16 >= -1', '5 >= d > -1', '"a" <= s < "b"', '0 < j["a"] < 3', '1 <= age < 30', '0.5 < f < 2'],
  equality: ['b == true', 'b != False', 'b == TRUE', 's == "abc"', "s == 'abc'", 'j["flag"] == true', 'i32 == 3 == true'.slice(0, 9)],
  'in / not in': ['i32 in [1, 2, 3]', 'i32 not in [1, 2, 3]', 'i64 NOT IN [0, 1]', 's in ["a", "b", "tech"]', 's not in ["a"]', 'i32 in []', 'i32 not in []', 'b in [true]', 'j["a"] in [1, "a", 2.5]', 'i8 in [1.0, 2.5, 0x3,]', 'city IN ["a", "Paris"]'],
  logical: ['i32 > 0 and s == "a"', 'i32 > 0 && s == "a"', 'i32 > 0 AND s == "a"', 'i32 > 0 or s == "a"', 'i32 > 0 || s == "a"', 'i32 > 0 OR s == "a"', 'not (i16 > 2)', '!(i16 > 2)', 'NOT (i16 > 2)', 'not not (i16 > 2)', 'i16 > 0 or i16 <= 0', 'not (i16 > 0 or b == true)', 'i16 > 0 and b == true or s like "a%"'],
  arithmetic: ['i32 % 3 == 0', 'i32 % 3 != 0', 'i8 * 2 > 5', 'i8 - 1 < 0', 'i32 + 2 == 5', 'i32 / 2 == 3', 'd * 2 > 1', 'd / 2 <= 0.5', 'f + 1.5 >= 2', 'j["a"] + 1 == 2', 'j["a"] * 2 > 4', 'j["a"] % 2 == 1', 'i64 % 50 == 0', 'i64 * 2 > 10', 'i64 / 3 == 1', '2 * i32 > 4', '1 + i32 < 0', 'ai[0] + 1 == 4', 'i32 > 2 ** 2', 'i32 < -2 ** 2', 'i32 > 10 / 4', 'i32 > 10 % 4', 'd > 10 / 4.0', 'i32 > (1 + 2) * 2 - 5'],
  like: ['s like "a%"', 's like "%b"', 's like "%b%"', 's like "a_c"', 's like "_"', 's like "%"', 's LIKE "ab"', 's like "x\\\\%y"', 's like "x\\\\_y"', 's like "x_y"', 's like "%😀"', 's like "emoji_"', 'j["b"] like "a%"', 'as[0] like "%b%"', 'city like "P%"', 's like "a\\\\\\\\%"'],
  'is null': ['i16 is null', 'i16 is not null', 'i16 IS NULL', 'i16 IS NOT NULL', 's is null', 'b is not null', 'j is null', 'j["a"] is null', 'j["n"] is null', 'j["a"] is not null', 'ai is null', 'age is null', 'i32 is null', 'i32 is not null'],
  exists: ['exists j["a"]', 'EXISTS j["c"]["a"]', 'exists j["n"]', 'exists age', 'exists $meta["nested"]["deep"]', 'not (exists j["a"])'],
  'json paths': ['j["a"] > 1', 'j["c"]["a"] == 2', 'j["arr"][0] == 1', 'j[0] == 1', 'j["b"] == "abc"', 'j["a"] != 1', 'not (j["a"] == 1)', '$meta["age"] > 30', 'nested["deep"]["z"] == "a"', 'j["c"]["c"]["b"] >= "a"'],
  'json_contains*': ['json_contains(j["arr"], 1)', 'json_contains(j["arr"], "a")', 'JSON_CONTAINS(tags, "ai")', 'json_contains_all(j["arr"], [1, 2])', 'json_contains_any(j["arr"], [1, "ab"])', 'json_contains_all(tags, [])', 'json_contains_any(tags, [])', 'json_contains(ai, 3)'],
  'array_contains*': ['array_contains(ai, 3)', 'array_contains(as, "ab")', 'array_contains_all(ai, [1, 2])', 'array_contains_any(ai, [1, 5])', 'array_contains_any(as, ["a", "b"])', 'array_contains_all(as, [])', 'ARRAY_CONTAINS(ad, 0.5)', 'array_contains(ai, 2.0)', 'array_contains(ai, 2.5)', 'array_contains(tags, "db")'],
  array_length: ['array_length(ai) == 2', 'array_length(ai) > 1', 'array_length(as) in [0, 3]', 'array_length(j["arr"]) >= 2', 'array_length(tags) == 0', 'ARRAY_LENGTH(ad) != 1'],
  'array elements': ['ai[0] == 1', 'ai[1] > 2', 'ad[0] < 0', 'as[0] == "a"', 'ai[0] in [1, 2]', '1 <= ai[0] <= 3'],
  'field vs field': ['i8 < i32', 'i64 >= i16', 'f < d', 'i32 == d', 's == s', 'b != b', 'id > i64'],
  literals: ['i32 == 0x3', 'i32 == 0X03', 'i32 == 03', 'i32 == 0b11', 'i32 == 0B11', 'd == .5', 'd == 5e-1', 'd > 1E1', 'd == 0.25', 's == "\\x61"', 's == "\\u0061b"', 's == "\\141"', 's == \'ab\'', 's == "\\"q\\""', 's == "a\\\\b"', 'i32 == +3', 'i32 > -3', 'i32 > - 3'],
  int64: ['i64 == 9007199254740993', 'i64 > 9007199254740992', 'i64 < -9007199254740994', 'i64 == 9223372036854775807', 'i64 == -9223372036854775808', 'i64 > 1.5', 'i64 >= 1.5', 'i64 < 1.5', 'i64 <= -1.5', 'i64 == 1.5', 'i64 != 1.5', 'i64 > 1e30', 'i64 < 1e30', 'i64 in [9007199254740993, 4611686018427387904]', '1.5 < i64 < 9007199254740993.0', 'i64 > 9007199254740993.0', 'ai[0] == 9007199254740993', 'array_contains(ai, 9007199254740994)'],
  float32: ['f == 0.1', 'f > 0.1', 'f < 3.3', 'f in [0.1, 3.3]', 'f != 1.5', 'f >= -2.25'],
  'dynamic fields': ['age > 30', 'city == "Paris"', 'age > 30 and city in ["a", "b"]', 'unknown_key == 1', 'not (unknown_key == 1)', 'tags is null', '$meta["age"] * 2 > 60', 'age like "a%"'],
  keywords: ['i32 > 0 AND NOT (s IN ["a"])', 'EXISTS j["a"] OR i16 IS NULL', 's LIKE "a%"', 'ARRAY_CONTAINS_ANY(ai, [1])'],
  whitespace: ['  i32   >\t3 ', 'i32\n>\n3', '(((i32 > 3)))'],
};

describe(`filter productions match the reference (seed ${seed})`, () => {
  for (const [name, exprs] of Object.entries(PRODUCTIONS)) {
    test(name, () => {
      for (const e of exprs) checkAgainstReference(ds, e);
    });
  }

  test('templates', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['i32 > {v}', { v: 3 }],
      ['i32 > {v}', { v: 2.5 }],
      ['i64 == {v}', { v: 9007199254740993n }],
      ['s in {list}', { list: ['a', 'ab'] }],
      ['b == {flag}', { flag: true }],
      ['{lo} < i32 < {hi}', { lo: -2, hi: 4 }],
      ['array_contains_any(ai, {xs})', { xs: [1, 2] }],
      ['json_contains(j["arr"], {x})', { x: 'a' }],
      ['j["a"] == {x} or s == {y}', { x: 1, y: 'tech' }],
      ['d * {k} > 1', { k: 2 }],
      ['i32 in {xs}', { xs: [] }],
    ];
    for (const [e, p] of cases) checkAgainstReference(ds, e, p);
  });
});

describe('hand-checked semantics (pins the reference too)', () => {
  const schema = testSchema(true);
  const rows: Row[] = [
    { id: 1n, i8: 1, i16: null, i32: 5, i64: 9007199254740993n, f: Math.fround(0.1), d: null, s: null, b: null, j: { a: 1, b: 'x' }, ai: [1n, 2n], as: ['a'], ad: [], vec: [0, 0, 0, 0], $meta: { age: 40 } },
    { id: 2n, i8: 2, i16: 3, i32: -1, i64: 9007199254740992n, f: 1.5, d: 2.5, s: 'abc', b: true, j: { b: 2 }, ai: null, as: [], ad: [1], vec: [0, 0, 0, 0], $meta: {} },
    { id: 3n, i8: 3, i16: 0, i32: 2, i64: null, f: -2.25, d: -1, s: 'x%y', b: false, j: null, ai: [], as: ['b', 'a'], ad: [0.5], vec: [0, 0, 0, 0], $meta: { age: 'old', city: 'Paris' } },
  ];
  const cols = columnSet(toColumns(schema, rows), rows.length);
  const m = (e: string, params?: Record<string, unknown>): number[] => compileFilter(e, schema, params).evaluate(cols).toIndices();
  const cases: [string, number[]][] = [
    ['i16 > 0', [1]],
    ['not (i16 > 0)', [2]], // row 0 is null: unknown, and not unknown is unknown
    ['i16 not in [3]', [2]],
    ['i16 is null', [0]],
    ['i16 > 0 or i32 > 0', [0, 1, 2]], // null or true = true
    ['not (i16 > 0 and i32 > 100)', [0, 1, 2]], // null and false = false
    ['not (i16 > 0 or i32 > 100)', [2]],
    ['i64 == 9007199254740993', [0]], // not rounded through doubles
    ['i64 > 9007199254740992', [0]],
    ['i64 > 9007199254740992.5', [0]],
    ['i64 == 9007199254740992.0', [1]],
    ['f == 0.1', [0]], // compared as float32, as Milvus does
    ['j["a"] == 1', [0]],
    ['j["a"] != 1', []], // missing key never matches
    ['not (j["a"] == 1)', [1]], // ...but is known false, so its negation matches; null JSON row stays unknown
    ['exists j["b"]', [0, 1]],
    ['j["b"] == "x"', [0]],
    ['age > 30', [0]],
    ['city == "Paris"', [2]],
    ['s like "x\\\\%y"', [2]],
    ['s like "x_y"', [2]],
    ['s like "%"', [1, 2]],
    ['array_contains(ai, 2)', [0]],
    ['array_length(ai) == 0', [2]],
    ['array_contains_all(as, ["a", "b"])', [2]],
    ['i32 % 2 == 1', [0]], // -1 % 2 is -1 (sign of the dividend)
    ['i32 / 2 == 0', [1]], // integer division truncates toward zero
    ['1 < i32 <= 5', [0, 2]],
    ['id in [1, 3]', [0, 2]],
    ['b != true', [2]],
  ];
  for (const [e, want] of cases) {
    test(e, () => {
      expect(m(e), e).toEqual(want);
      expect(referenceMatches(e, schema, rows), `reference agrees on ${e}`).toEqual(want);
    });
  }
});

describe('public API details', () => {
  const schema = testSchema(true);
  test('fields lists every column read', () => {
    expect([...compileFilter('i32 > 1 and (age > 3 or array_contains(ai, 1)) and j["a"] == 1 and i8 < i16', schema).fields].sort()).toEqual(['$meta', 'ai', 'i16', 'i32', 'i8', 'j'].sort());
  });
  test('primaryKeys for pk == / in / or-chains', () => {
    expect(compileFilter('id in [1, 2, 2]', schema).primaryKeys).toEqual([1n, 2n]);
    expect(compileFilter('id == 5 or id in [6] or id == 7.0', schema).primaryKeys).toEqual([5n, 6n, 7n]);
    expect(compileFilter('id == 1.5', schema).primaryKeys).toEqual([]);
    expect(compileFilter('id == 9223372036854775807', schema).primaryKeys).toEqual([9223372036854775807n]);
    expect(compileFilter('id == {x}', schema, { x: 9007199254740993n }).primaryKeys).toEqual([9007199254740993n]);
    expect(compileFilter('id > 5', schema).primaryKeys).toBeUndefined();
    expect(compileFilter('id == 5 and i32 > 1', schema).primaryKeys).toBeUndefined();
    expect(compileFilter('id not in [5]', schema).primaryKeys).toBeUndefined();
    const vs = { ...schema, fields: schema.fields.map((f) => (f.name === 's' ? { ...f, is_primary_key: true, nullable: false } : { ...f, is_primary_key: false })) };
    expect(compileFilter('s in ["a", "b"] or s == "c"', vs).primaryKeys).toEqual(['a', 'b', 'c']);
  });
  test('candidates of the wrong size are rejected with 1100', () => {
    const f = compileFilter('i32 > 1', schema);
    const cs = columnSet(toColumns(schema, []), 0);
    expect(f.evaluate(cs).size).toBe(0);
    expect(() => f.evaluate(cs, new Bitset(5))).toThrow(expect.objectContaining({ code: 1100 }));
  });
});

const ERRORS: [string, string, number][] = [
  ['', 'empty', 0],
  ['   ', 'empty', 3],
  ['vec > 1', 'vector field vec', 0],
  ['b', 'bare boolean field', 0],
  ['true', 'constant is not a filter', 0],
  ['1 < 2', 'constant is not a filter', 0],
  ['i32', 'is not a boolean expression', 0],
  ['s > 1', 'comparisons between s (VarChar) and Int64 are not supported', 4],
  ['i32 == "a"', 'comparisons between i32 (Int32) and VarChar', 7],
  ['b > true', "operator '<' is not supported for booleans".replace('<', '>'), 4],
  ['i32 & 1 == 1', "bitwise operator '&' is not supported", 4],
  ['i32 | 1 == 1', "bitwise operator '|'", 4],
  ['i32 ^ 1 == 1', "bitwise operator '^'", 4],
  ['i32 << 1 == 2', "bitwise operator '<<'", 4],
  ['i32 >> 1 == 2', "bitwise operator '>>'", 4],
  ['~i32 == 2', "bitwise operator '~'", 0],
  ['text_match(s, "hello")', 'field s is not enabled for match: create it with enable_match', 11],
  ['text_match(s, "hello", minimum_should_match=2)', 'field s is not enabled for match', 11],
  ['phrase_match(s, "a b", 2)', 'field s is not enabled for match', 13],
  ['text_match(i32, "hello")', 'text_match needs a VarChar field, not i32 (Int32)', 11],
  ['random_sample(0.1)', 'random_sample is not supported yet', 0],
  ['i32 > {missing}', 'template variable name {missing} is not found', 6],
  ['i32 ** 2 > 1', "'**' applies only to constants", 4],
  ['i32 > 1 / 0', 'divide by zero', 8],
  ['i32 % 0 == 1', 'modulo by zero', 6],
  ['d % 2 == 1', 'modulo can only be applied to integers', 2],
  ['i32 * 1.5 > 1', 'needs an integer constant', 6],
  ['i32 + i8 > 1', 'arithmetic must be a field and a constant', 4],
  ['(i32 + 1) * 2 > 1', 'only one arithmetic operation', 10],
  ['i32 > 9223372036854775808', 'out of the Int64 range', 6],
  ['i32 in 3', "right side of 'in' must be a list", 7],
  ['i32 in [i8]', 'array literal elements must be constants', 8],
  ['s like 3', 'expecting a string pattern', 7],
  ['i32 like "a%"', 'like is only supported on VarChar', 0],
  ['s like "abc\\\\"', 'unfinished escape', 7],
  ['exists i32', 'exists is only supported on JSON', 7],
  ['ai > 1', 'cannot be compared directly', 3],
  ['i32[0] == 1', 'is not a JSON or Array field', 0],
  ['ai[0][1] == 1', 'can only be indexed by one integer', 0],
  ['array_length(i32) == 1', 'array_length applies to an Array or JSON field', 13],
  ['array_contains(i32, 1)', 'needs an Array or JSON field', 15],
  ['array_contains_all(ai, 1)', 'must be a list', 23],
  ['array_contains(ai, "a")', 'comparisons between ai (Array of Int64) and VarChar', 19],
  ['i32 > 1 and', "mismatched input '<EOF>'", 11],
  ['i32 > 1)', "extraneous input ')'", 7],
  ['(i32 > 1', "expecting ')'", 8],
  ['i32 @ 1', "token recognition error at: '@'", 4],
  ['s == "abc', 'unterminated string literal', 5],
  ['s == "\\q"', 'invalid escape sequence', 6],
  ['i32 == 09', 'invalid octal literal', 7],
  ['i32 = 1', "extraneous input '='", 4],
  ['i32 > 1 And i8 > 1', "extraneous input 'And'", 8],
  ['not i32 > 1', 'expected a boolean expression', 4],
  ['i32 > 1 == true', "compares values, not boolean expressions", 8],
  ['i8 < i32 + 1', 'arithmetic is not supported when comparing two fields', 3],
  ['j > i32', 'comparing j (JSON) with i32 (Int32) is not supported', 2],
  ['-i32 > 1', "unary '-' applies only to numeric constants", 0],
  ['i32 > 1\nand s ==', "line 2:8 mismatched input '<EOF>'", 8],
];

describe('errors: code 1100, Milvus message shape, position', () => {
  const schema = testSchema(true);
  for (const [e, what, col] of ERRORS) {
    test(JSON.stringify(e), () => {
      let err: unknown;
      try {
        compileFilter(e, schema);
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(VesperError);
      const v = err as VesperError;
      expect(v.code).toBe(1100);
      expect(v.message.startsWith(`cannot parse expression: ${e}, error: line `)).toBe(true);
      expect(v.message).toContain(what);
      expect(v.details?.column, v.message).toBe(col);
    });
  }
  test('unknown names are errors without the dynamic field', () => {
    expect(() => compileFilter('age > 1', testSchema(false))).toThrow(/line 1:0 field age not exist/);
    expect(() => compileFilter('$meta["age"] > 1', testSchema(false))).toThrow(/field \$meta not exist/);
  });
  test('deep nesting is a coded error, not a stack overflow', () => {
    const schema2 = testSchema(true);
    for (const e of ['('.repeat(5000) + 'i32 > 1' + ')'.repeat(5000), 'not '.repeat(5000) + '(i32 > 1)', '-'.repeat(5000) + '1 < i32', 'i32 > ' + Array(5000).fill('1').join(' + '), '1 ** '.repeat(3000) + '1 < i32']) {
      expect(() => compileFilter(e, schema2)).toThrow(expect.objectContaining({ code: 1100 }));
    }
    const wide = Array.from({ length: 5000 }, (_, i) => `i32 == ${i}`).join(' or ');
    expect(compileFilter(wide, schema2).fields).toEqual(['i32']);
  });
  test('bad template values', () => {
    expect(() => compileFilter('i32 > {x}', schema, { x: { a: 1 } })).toThrow(/unsupported value type/);
    expect(() => compileFilter('i32 > {x}', schema, { x: null })).toThrow(/unsupported value type/);
    expect(() => compileFilter('i32 > {x}', schema, { x: Number.NaN })).toThrow(/not a finite number/);
    expect(() => compileFilter('i32 > {x}', schema, { x: 2n ** 64n })).toThrow(/out of the Int64 range/);
    expect(() => compileFilter('s in {x}', schema, { x: 'a' })).toThrow(/must be a list/);
  });
});
