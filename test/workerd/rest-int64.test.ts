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

  it('renders search hits, query and get rows once: Int64 beyond 2^53 with and without Allow-Int64, a field named score, dynamic keys, binary vectors', async () => {
    const create = await raw('collections/create', JSON.stringify({
      collectionName: 'hits64',
      schema: { enableDynamicField: true, fields: [
        { fieldName: 'pk', dataType: 'Int64', isPrimary: true },
        { fieldName: 'n', dataType: 'Int64' },
        { fieldName: 'ai', dataType: 'Array', elementDataType: 'Int64', elementTypeParams: { max_capacity: '4' } },
        { fieldName: 'score', dataType: 'VarChar', elementTypeParams: { max_length: '8' } },
        { fieldName: 'b', dataType: 'BinaryVector', elementTypeParams: { dim: 16 } },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }, { fieldName: 'b', indexName: 'b', metricType: 'HAMMING', indexType: 'BIN_FLAT' }],
    }));
    expect(codeOf(create)).toBe(0);
    const rows = `[{"pk":${BIG},"n":${MAX},"ai":[1,${BIG}],"score":"s1","b":[1,255],"v":[0,0],"tag":"x","deep":{"k":[1,2]}},{"pk":2,"n":-5,"ai":[],"score":"s2","b":[0,2],"v":[1,0]}]`;
    expect(codeOf(await raw('entities/insert', `{"collectionName":"hits64","data":${rows}}`))).toBe(0);
    // a primary key named id: the engine's SDK hits carry it as `id` too; REST gives it once, after the other fields
    expect(codeOf(await raw('collections/create', JSON.stringify({ collectionName: 'hitsid', dimension: 2, primaryFieldName: 'id', vectorFieldName: 'v', metricType: 'L2' })))).toBe(0);
    expect(codeOf(await raw('entities/insert', `{"collectionName":"hitsid","data":[{"id":${BIG},"v":[0,0],"n":${MAX},"m":"x"},{"id":3,"v":[0,1]}]}`))).toBe(0);
    const strong = '"consistencyLevel":"Strong"';
    const out = '"outputFields":["n","ai","score","b","tag","deep"]';
    const replies: Record<string, string> = {};
    for (const allow of ['true', 'false']) {
      const h = { 'Accept-Type-Allow-Int64': allow };
      replies[`search ${allow}`] = await raw('entities/search', `{"collectionName":"hits64","annsField":"v","data":[[0,0]],"limit":2,${out},${strong}}`, h);
      replies[`search2 ${allow}`] = await raw('entities/search', `{"collectionName":"hits64","annsField":"v","data":[[0,0],[1,0]],"limit":1,${strong}}`, h);
      replies[`hybrid ${allow}`] = await raw('entities/hybrid_search', `{"collectionName":"hits64","search":[{"data":[[0,0]],"annsField":"v","limit":2}],"rerank":{"strategy":"rrf","params":{"k":60}},"limit":2,${out},${strong}}`, h);
      replies[`query ${allow}`] = await raw('entities/query', `{"collectionName":"hits64","filter":"pk > 0",${out},${strong}}`, h);
      replies[`get ${allow}`] = await raw('entities/get', `{"collectionName":"hits64","id":[2,${BIG}],${out},${strong}}`, h);
      replies[`aggregate ${allow}`] = await raw('entities/query', `{"collectionName":"hits64","filter":"pk > 0","groupByFields":["score"],"outputFields":["score","count(*)","sum(n)"],${strong}}`, h);
      replies[`pk id ${allow}`] = await raw('entities/search', `{"collectionName":"hitsid","data":[[0,0]],"limit":2,"outputFields":["n","m"],${strong}}`, h);
    }
    for (const [what, text] of Object.entries(replies)) expect(text, what).toBe(RENDERED[what]);
  });

  it('a field named id that is not the primary key comes back with its own value, and only when asked for', async () => {
    const create = await raw('collections/create', JSON.stringify({
      collectionName: 'idfield',
      schema: { fields: [
        { fieldName: 'pk', dataType: 'Int64', isPrimary: true },
        { fieldName: 'id', dataType: 'Int64' },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
    }));
    expect(codeOf(create)).toBe(0);
    expect(codeOf(await raw('entities/insert', `{"collectionName":"idfield","data":[{"pk":1,"id":${BIG},"v":[0,0]},{"pk":2,"id":70,"v":[1,0]}]}`))).toBe(0);
    const search = (out: string) => raw('entities/search', `{"collectionName":"idfield","data":[[0,0]],"limit":2,${out}"consistencyLevel":"Strong"}`);
    // the SDK's hits name the primary key `id`; REST hits are fields and distance (Milvus's REST)
    expect(await search('"outputFields":["id"],')).toBe(`{"code":0,"data":[{"pk":1,"id":${BIG},"distance":0},{"pk":2,"id":70,"distance":1}],"topks":[2]}`);
    expect(await search('')).toBe('{"code":0,"data":[{"pk":1,"distance":0},{"pk":2,"distance":1}],"topks":[2]}');
  });
});

/** The replies of the test above, byte for byte (the REST wire format before rows were rendered once). */
const RENDERED: Record<string, string> = {
  'search true':
    '{"code":0,"data":[{"pk":9007199254740993,"n":9223372036854775807,"ai":[1,9007199254740993],"b":[1,255],"tag":"x","deep":{"k":[1,2]},"score":"s1","distance":0},{"pk":2,"n":-5,"ai":[],"b":[0,2],"score":"s2","distance":1}],"topks":[2]}',
  'search2 true':
    '{"code":0,"data":[{"pk":9007199254740993,"distance":0},{"pk":2,"distance":0}],"topks":[1,1]}',
  'hybrid true':
    '{"code":0,"data":[{"pk":9007199254740993,"n":9223372036854775807,"ai":[1,9007199254740993],"b":[1,255],"tag":"x","deep":{"k":[1,2]},"score":"s1","distance":0.01639344262295082},{"pk":2,"n":-5,"ai":[],"b":[0,2],"score":"s2","distance":0.016129032258064516}],"topks":[2]}',
  'query true':
    '{"code":0,"data":[{"pk":2,"n":-5,"ai":[],"score":"s2","b":[0,2]},{"pk":9007199254740993,"n":9223372036854775807,"ai":[1,9007199254740993],"score":"s1","b":[1,255],"tag":"x","deep":{"k":[1,2]}}]}',
  'get true':
    '{"code":0,"data":[{"pk":2,"n":-5,"ai":[],"score":"s2","b":[0,2]},{"pk":9007199254740993,"n":9223372036854775807,"ai":[1,9007199254740993],"score":"s1","b":[1,255],"tag":"x","deep":{"k":[1,2]}}]}',
  'aggregate true':
    '{"code":0,"data":[{"score":"s1","count(*)":1,"sum(n)":9223372036854775807},{"score":"s2","count(*)":1,"sum(n)":-5}]}',
  'pk id true':
    '{"code":0,"data":[{"n":"9223372036854775807","m":"x","id":9007199254740993,"distance":0},{"id":3,"distance":1}],"topks":[2]}',
  'search false':
    '{"code":0,"data":[{"pk":"9007199254740993","n":"9223372036854775807","ai":["1","9007199254740993"],"b":[1,255],"tag":"x","deep":{"k":[1,2]},"score":"s1","distance":0},{"pk":"2","n":"-5","ai":[],"b":[0,2],"score":"s2","distance":1}],"topks":[2]}',
  'search2 false':
    '{"code":0,"data":[{"pk":"9007199254740993","distance":0},{"pk":"2","distance":0}],"topks":[1,1]}',
  'hybrid false':
    '{"code":0,"data":[{"pk":"9007199254740993","n":"9223372036854775807","ai":["1","9007199254740993"],"b":[1,255],"tag":"x","deep":{"k":[1,2]},"score":"s1","distance":0.01639344262295082},{"pk":"2","n":"-5","ai":[],"b":[0,2],"score":"s2","distance":0.016129032258064516}],"topks":[2]}',
  'query false':
    '{"code":0,"data":[{"pk":"2","n":"-5","ai":[],"score":"s2","b":[0,2]},{"pk":"9007199254740993","n":"9223372036854775807","ai":["1","9007199254740993"],"score":"s1","b":[1,255],"tag":"x","deep":{"k":[1,2]}}]}',
  'get false':
    '{"code":0,"data":[{"pk":"2","n":"-5","ai":[],"score":"s2","b":[0,2]},{"pk":"9007199254740993","n":"9223372036854775807","ai":["1","9007199254740993"],"score":"s1","b":[1,255],"tag":"x","deep":{"k":[1,2]}}]}',
  'aggregate false':
    '{"code":0,"data":[{"score":"s1","count(*)":"1","sum(n)":"9223372036854775807"},{"score":"s2","count(*)":"1","sum(n)":"-5"}]}',
  'pk id false':
    '{"code":0,"data":[{"n":"9223372036854775807","m":"x","id":"9007199254740993","distance":0},{"id":"3","distance":1}],"topks":[2]}',
};
