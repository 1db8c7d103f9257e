/**
 * Int64 over REST v2 without losing precision, in workerd: integers beyond 2^53 in a request
 * (an Int64 field, a primary key, `exprParams`) reach the engine exact; replies write Int64 as
 * exact JSON numbers by default (Milvus's `acceptTypeAllowInt64` default) and as strings with
 * `Accept-Type-Allow-Int64: false`; integer literals beyond 64 bits are refused (1801) and
 * change nothing. The replies are checked on their raw text: JSON.parse here would round them.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const AUTH = { Authorization: 'Bearer root:Milvus', 'Content-Type': 'application/json' };
const BIG = '9007199254740993'; // 2^53 + 1: a double rounds it to ...992
const MAX = '9223372036854775807';

async function raw(path: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: { ...AUTH, ...headers }, body });
  return res.text();
}

const codeOf = (text: string): number => (JSON.parse(text) as { code: number }).code;

describe('Int64 fidelity over REST v2', () => {
  it('keeps Int64 values beyond 2^53 exact in, out and in filters', async () => {
    const create = await raw('collections/create', JSON.stringify({
      collectionName: 'i64',
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'n', dataType: 'Int64' },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
    }));
    expect(codeOf(create)).toBe(0);
    const ins = await raw('entities/insert', `{"collectionName":"i64","data":[{"id":${BIG},"n":${MAX},"v":[0.1,0.2]},{"id":1,"n":${BIG}.0,"v":[0.3,0.4]}]}`);
    expect(ins).toContain(`"insertIds":[${BIG},1]`);
    const strong = '"consistencyLevel":"Strong"';
    const rows = await raw('entities/query', `{"collectionName":"i64","filter":"id >= 0","outputFields":["id","n"],${strong}}`);
    expect(codeOf(rows)).toBe(0);
    expect(rows).toContain(`{"id":${BIG},"n":${MAX}}`);
    expect(rows).toContain(`{"id":1,"n":${BIG}}`);
    // the exact value matches; its rounded neighbour does not
    const hit = await raw('entities/query', `{"collectionName":"i64","filter":"n == {x}","exprParams":{"x":${BIG}},"outputFields":["id"],${strong}}`);
    expect(hit).toContain(`"data":[{"id":1}]`);
    const miss = await raw('entities/query', `{"collectionName":"i64","filter":"n == {x}","exprParams":{"x":9007199254740992},"outputFields":["id"],${strong}}`);
    expect(miss).toContain('"data":[]');
    // beyond Int64 in exprParams: coded, not an empty answer
    expect(codeOf(await raw('entities/query', `{"collectionName":"i64","filter":"n == {x}","exprParams":{"x":9223372036854775808},${strong}}`))).not.toBe(0);
    // strings when the client asks for them
    const asStrings = await raw('entities/query', `{"collectionName":"i64","filter":"id == ${BIG}","outputFields":["id","n"],${strong}}`, { 'Accept-Type-Allow-Int64': 'false' });
    expect(asStrings).toContain(`{"id":"${BIG}","n":"${MAX}"}`);
    const count = await raw('entities/query', `{"collectionName":"i64","outputFields":["count(*)"],${strong}}`);
    expect(count).toContain('"count(*)":2');
  });

  it('renders Array<Int64> elements like Int64 fields; a VarChar key named by a number is found', async () => {
    const create = await raw('collections/create', JSON.stringify({
      collectionName: 'arr64',
      schema: { fields: [
        { fieldName: 'k', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: '32' } },
        { fieldName: 'ai', dataType: 'Array', elementDataType: 'Int64', elementTypeParams: { max_capacity: '4' } },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
    }));
    expect(codeOf(create)).toBe(0);
    expect(codeOf(await raw('entities/insert', `{"collectionName":"arr64","data":[{"k":"1000000","ai":[1,${BIG}],"v":[0.1,0.2]}]}`))).toBe(0);
    const got = await raw('entities/get', '{"collectionName":"arr64","id":[1000000],"outputFields":["ai"],"consistencyLevel":"Strong"}');
    expect(got).toContain(`"ai":[1,${BIG}]`);
    const asStrings = await raw('entities/get', '{"collectionName":"arr64","id":["1000000"],"outputFields":["ai"],"consistencyLevel":"Strong"}', { 'Accept-Type-Allow-Int64': 'false' });
    expect(asStrings).toContain(`"ai":["1","${BIG}"]`);
  });

  it('refuses integers beyond 64 bits and overflowing Int64 values, changing nothing', async () => {
    await raw('collections/create', JSON.stringify({ collectionName: 'i64b', dimension: 2 }));
    const tooBig = await raw('entities/insert', '{"collectionName":"i64b","data":[{"id":1,"vector":[0.1,0.2],"j":18446744073709551616}]}');
    expect(codeOf(tooBig)).toBe(1801);
    expect(tooBig).toContain('outside the 64-bit range');
    const overflow = await raw('entities/insert', '{"collectionName":"i64b","data":[{"id":9223372036854775808,"vector":[0.1,0.2]}]}');
    expect(codeOf(overflow)).not.toBe(0);
    const count = await raw('entities/query', '{"collectionName":"i64b","outputFields":["count(*)"],"consistencyLevel":"Strong"}');
    expect(count).toContain('"count(*)":0');
  });

  it('a long integer where a string or an object belongs is a coded format error, never code 5', async () => {
    await raw('collections/create', JSON.stringify({ collectionName: 'i64c', dimension: 2 }));
    // each reply quotes the offending value; quoting a bigint must not fail while reporting
    const cases: [string, string][] = [
      ['collections/drop_properties', `{"collectionName":"i64c","propertyKeys":[${BIG}]}`],
      ['entities/insert', `{"collectionName":"i64c","data":[${BIG}]}`],
      ['entities/search', `{"collectionName":"i64c","data":[[${BIG},"x"]]}`],
      ['collections/describe', `{"collectionName":${BIG}}`],
    ];
    for (const [path, body] of cases) {
      const text = await raw(path, body);
      const code = codeOf(text);
      expect(code, `${path}: ${text}`).not.toBe(5);
      expect(code, `${path}: ${text}`).not.toBe(0);
    }
    const count = await raw('entities/query', '{"collectionName":"i64c","outputFields":["count(*)"],"consistencyLevel":"Strong"}');
    expect(count).toContain('"count(*)":0');
  });
});
