/**
 * Value forms Milvus's REST server reads in insert/upsert rows, in workerd through the Worker's
 * fetch handler (raw JSON text, since the forms are about the literal the client wrote):
 * a Bool field from Go ParseBool text or a number whose text is 1 or 0; a VarChar field from a
 * JSON number keeps the literal's text exactly; a JSON object holding a key twice anywhere in
 * the body is refused (1801) and writes nothing. The in-process client keeps its strict types
 * (test/integration/validation.test.ts).
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

type Reply = { code: number; message?: string; data?: unknown };

async function raw(path: string, body: string): Promise<Reply> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer root:Milvus' },
    body,
  });
  return (await res.json()) as Reply;
}

const C = 'forms';
let nextId = 0;
/** One row's JSON text with `extra` spliced in as written (`"b":"true"`). */
const row = (extra: string, id = ++nextId): string => `{"id":${id},"b":true,"s":"x","j":{"k":1},"v":[0.1,0.2],${extra}}`;
const insert = (rows: string, path = 'entities/insert'): Promise<Reply> => raw(path, `{"collectionName":"${C}","data":[${rows}]}`);

async function read(id: number): Promise<Record<string, unknown>> {
  const r = await raw('entities/query', JSON.stringify({ collectionName: C, filter: `id == ${id}`, outputFields: ['b', 's', 'j'], consistencyLevel: 'Strong' }));
  expect(r.code, r.message).toBe(0);
  return (r.data as Record<string, unknown>[])[0] ?? {};
}

async function count(): Promise<number> {
  const r = await raw('entities/query', JSON.stringify({ collectionName: C, outputFields: ['count(*)'], consistencyLevel: 'Strong' }));
  return Number((r.data as { 'count(*)': number }[])[0]!['count(*)']);
}

describe('REST row value forms', () => {
  it('creates the collection', async () => {
    const r = await raw('collections/create', JSON.stringify({
      collectionName: C,
      schema: { enableDynamicField: true, fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'b', dataType: 'Bool' },
        { fieldName: 's', dataType: 'VarChar', elementTypeParams: { max_length: '64' } },
        { fieldName: 'j', dataType: 'JSON' },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
    }));
    expect(r.code, r.message).toBe(0);
  });

  it('Bool takes Go ParseBool text and numbers written 1 or 0; other values are 1804', async () => {
    const accepted: [string, boolean][] = [
      ['"true"', true], ['"True"', true], ['"TRUE"', true], ['"t"', true], ['"1"', true], ['1', true], ['1.0', true],
      ['"false"', false], ['"F"', false], ['"0"', false], ['0', false], ['0e3', false],
    ];
    for (const [literal, want] of accepted) {
      const id = ++nextId;
      const r = await insert(row(`"b":${literal}`, id).replace('"b":true,', ''));
      expect(r.code, `${literal}: ${r.message}`).toBe(0);
      expect((await read(id))['b'], literal).toBe(want);
    }
    const before = await count();
    for (const literal of ['2', '-1', '0.5', '-0', '"yes"', '"tRUE"', '""', '[true]']) {
      const r = await insert(row(`"b":${literal}`).replace('"b":true,', ''));
      expect(r.code, literal).toBe(1804);
    }
    expect(await count()).toBe(before);
  });

  it("VarChar from a JSON number keeps the literal's text; the same key inside a JSON value stays a number", async () => {
    const literals = ['1e300', '1e+300', '1.50', '-0', '0.1', '12345678901234567890', '9007199254740993', '7'];
    for (const literal of literals) {
      const id = ++nextId;
      const r = await insert(row(`"s":${literal},"j":{"s":${literal.length >= 16 ? 1 : literal}}`, id).replace('"s":"x",', '').replace('"j":{"k":1},', ''));
      expect(r.code, `${literal}: ${r.message}`).toBe(0);
      const got = await read(id);
      expect(got['s'], literal).toBe(literal);
      // (integers beyond 2^53 inside JSON values are still read back as strings: a known gap)
      expect(typeof (got['j'] as { s: unknown }).s, literal).toBe('number');
    }
    // a batch: only the rows whose VarChar was a number change, each by its own literal
    const a = ++nextId;
    const b = ++nextId;
    expect((await insert(`${row('"s":2.50', a).replace('"s":"x",', '')},${row('"n":3', b)}`, 'entities/upsert')).code).toBe(0);
    expect((await read(a))['s']).toBe('2.50');
    expect((await read(b))['s']).toBe('x');
    // an object or a list is still no VarChar
    expect((await insert(row('"s":{"a":1}').replace('"s":"x",', ''))).code).toBe(1804);
  });

  it('a key twice in one object, anywhere in the body, is 1801 and writes nothing', async () => {
    const before = await count();
    for (const body of [
      `{"collectionName":"${C}","data":[${row('"j2":0').replace('"j":{"k":1}', '"j":{"a":1,"a":2}')}]}`,
      `{"collectionName":"${C}","data":[${row('"id":999999')}]}`,
      `{"collectionName":"${C}","collectionName":"${C}","data":[${row('"z":1')}]}`,
      `{"collectionName":"${C}","data":[${row('"q":{"x":{"a\\"b":1,"a\\"b":2}}')}]}`,
      `{"collectionName":"${C}","data":[${row('"q":{"a":1,"\\u0061":2}')}]}`,
    ]) {
      const r = await raw('entities/insert', body);
      expect(r.code, body).toBe(1801);
      expect(r.message).toContain('duplicate key');
    }
    expect(await count()).toBe(before);
    // the same key in sibling objects, in strings, or after an escaped quote is no duplicate
    const id = ++nextId;
    const ok = await insert(row('"q":[{"a":1},{"a":2}],"r":"{\\"a\\":1,\\"a\\":2}","t":{"a\\\\":1,"a":2}', id));
    expect(ok.code, ok.message).toBe(0);
    expect(await count()).toBe(before + 1);
    // a search body is checked too (the parse is shared)
    const search = await raw('entities/search', `{"collectionName":"${C}","data":[[0,0]],"limit":1,"limit":2}`);
    expect(search.code).toBe(1801);
  });
});

describe('REST integer text and vector elements', () => {
  const N = 'forms_int';
  const ins = (rows: string): Promise<Reply> => raw('entities/insert', `{"collectionName":"${N}","data":[${rows}]}`);
  async function rowOf(id: string): Promise<Record<string, unknown>> {
    const r = await raw('entities/query', JSON.stringify({ collectionName: N, filter: `id == ${id}`, outputFields: ['n', 'big'], consistencyLevel: 'Strong' }));
    expect(r.code, r.message).toBe(0);
    return (r.data as Record<string, unknown>[])[0] ?? {};
  }

  it('integer fields take decimal text, spaces and sign included, as before; the in-process client does not (validation.test.ts)', async () => {
    const c = await raw('collections/create', JSON.stringify({
      collectionName: N,
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true },
        { fieldName: 'n', dataType: 'Int32' },
        { fieldName: 'big', dataType: 'Int64' },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
    }));
    expect(c.code, c.message).toBe(0);
    const r = await ins('{"id":"1","n":"8","big":" 12 ","v":[0.1,0.2]},{"id":" 2 ","n":" -3 ","big":"-9223372036854775808","v":[0.3,0.4]}');
    expect(r.code, r.message).toBe(0);
    expect(await rowOf('1')).toEqual({ id: 1, n: 8, big: 12 });
    expect(await rowOf('2')).toMatchObject({ id: 2, n: -3 });
    // exact (a JSON number beyond 2^53 here; JSON.parse would round it, so the filter checks it)
    expect(await rowOf('2 && big == -9223372036854775808')).toMatchObject({ id: 2 });
    // text that is no integer is still 1804 naming the field
    const bad = await ins('{"id":3,"n":"8.5","big":1,"v":[0.1,0.2]}');
    expect([bad.code, bad.message]).toEqual([1804, expect.stringContaining('field n')]);
  });

  it('vector elements must be JSON numbers: booleans and numeric text are 1804 and write nothing', async () => {
    for (const v of ['[true,false]', '["0.1","0.2"]', '[0.1,null]']) {
      const r = await ins(`{"id":9,"n":1,"big":1,"v":${v}}`);
      expect([r.code, r.message], v).toEqual([1804, expect.stringContaining('field v: vector element')]);
    }
    const got = await raw('entities/query', JSON.stringify({ collectionName: N, filter: 'id == 9', consistencyLevel: 'Strong' }));
    expect(got.data).toEqual([]);
  });
});
