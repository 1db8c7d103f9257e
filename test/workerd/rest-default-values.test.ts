/**
 * Field default values over REST v2 in workerd. Describe writes each default in Milvus's shape
 * (the Go protobuf ValueField as JSON: `{"Data": {"StringData": "123"}}`, LongData for Int64,
 * IntData for Int8..Int32, FloatData, DoubleData, BoolData), and the value inside must be what
 * a row that leaves the field out reads back (the oracle: the engine's own fill). A default of
 * the wrong JSON type is refused at create and at fields/add with Milvus's 1100 "convert
 * defaultValue fail", and changes nothing.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

type Reply = { code: number; message?: string; data?: unknown };

async function raw(path: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer root:Milvus', ...headers },
    body,
  });
  return res.text();
}

const post = async (path: string, body: unknown): Promise<Reply> => JSON.parse(await raw(path, JSON.stringify(body))) as Reply;

type Field = { name: string; type: string; nullable?: boolean; defaultValue?: unknown };

const DEFAULTS: readonly { fieldName: string; dataType: string; defaultValue: unknown; key: string }[] = [
  { fieldName: 'b', dataType: 'Bool', defaultValue: true, key: 'BoolData' },
  { fieldName: 'i8', dataType: 'Int8', defaultValue: -8, key: 'IntData' },
  { fieldName: 'i16', dataType: 'Int16', defaultValue: 1600, key: 'IntData' },
  { fieldName: 'i32', dataType: 'Int32', defaultValue: 320000, key: 'IntData' },
  { fieldName: 'i64', dataType: 'Int64', defaultValue: 100, key: 'LongData' },
  { fieldName: 'f', dataType: 'Float', defaultValue: 1.5, key: 'FloatData' },
  { fieldName: 'd', dataType: 'Double', defaultValue: -2.25, key: 'DoubleData' },
  { fieldName: 's', dataType: 'VarChar', defaultValue: '123', key: 'StringData' },
];

describe('default values over REST', () => {
  it("describe writes every default in Milvus's {Data: {<Type>Data: v}} shape, equal to what omitted values read", async () => {
    const create = await post('collections/create', {
      collectionName: 'dv_shape',
      schema: { fields: [
        { fieldName: 'id', dataType: 'Int64', isPrimary: true, elementTypeParams: {} },
        ...DEFAULTS.map(({ fieldName, dataType, defaultValue }) => ({ fieldName, dataType, defaultValue, nullable: dataType === 'VarChar', elementTypeParams: dataType === 'VarChar' ? { max_length: '16' } : {} })),
        { fieldName: 'plain', dataType: 'Int32', nullable: true, elementTypeParams: {} },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '2' } },
      ] },
      indexParams: [{ fieldName: 'v', indexName: 'v', metricType: 'L2' }],
    });
    expect(create.code, create.message).toBe(0);
    const d = (await post('collections/describe', { collectionName: 'dv_shape' })).data as { fields: Field[] };
    const byName = new Map(d.fields.map((f) => [f.name, f]));
    expect(byName.get('s')!.nullable).toBe(true);
    expect('defaultValue' in byName.get('plain')!).toBe(false);
    expect('defaultValue' in byName.get('id')!).toBe(false);

    expect((await post('entities/insert', { collectionName: 'dv_shape', data: [{ id: 1, v: [0, 1] }] })).code).toBe(0);
    const rows = (await post('entities/query', { collectionName: 'dv_shape', filter: 'id == 1', outputFields: DEFAULTS.map((x) => x.fieldName), consistencyLevel: 'Strong' })).data as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    for (const { fieldName, key, defaultValue } of DEFAULTS) {
      const shown = byName.get(fieldName)!.defaultValue as { Data: Record<string, unknown> };
      expect(Object.keys(shown), fieldName).toEqual(['Data']);
      expect(Object.keys(shown.Data), fieldName).toEqual([key]);
      // the filled value is the oracle; the request's value must agree with it too
      expect(shown.Data[key], fieldName).toEqual(rows[0]![fieldName]);
      expect(shown.Data[key], fieldName).toEqual(defaultValue);
    }
  });

  it('an Int64 default beyond 2^53 is shown exact, as a string with Accept-Type-Allow-Int64: false', async () => {
    const big = '9007199254740993';
    const create = await raw('collections/create', `{"collectionName":"dv_big","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"n","dataType":"Int64","defaultValue":${big}},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":"2"}}]}}`);
    expect((JSON.parse(create) as Reply).code).toBe(0);
    expect(await raw('collections/describe', '{"collectionName":"dv_big"}')).toContain(`"defaultValue":{"Data":{"LongData":${big}}}`);
    expect(await raw('collections/describe', '{"collectionName":"dv_big"}', { 'Accept-Type-Allow-Int64': 'false' })).toContain(`"defaultValue":{"Data":{"LongData":"${big}"}}`);
  });

  it('a default of the wrong JSON type is 1100 "convert defaultValue fail" at create and fields/add; nothing changes', async () => {
    const pk = { fieldName: 'id', dataType: 'Int64', isPrimary: true, elementTypeParams: {} };
    const vec = { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: '2' } };
    const wrong = [
      { fieldName: 'x', dataType: 'Int64', defaultValue: 'aaa' },
      { fieldName: 'x', dataType: 'Int32', defaultValue: true },
      { fieldName: 'x', dataType: 'Bool', defaultValue: 10 },
      { fieldName: 'x', dataType: 'Bool', defaultValue: 'true' },
      { fieldName: 'x', dataType: 'VarChar', defaultValue: 5, elementTypeParams: { max_length: '8' } },
      { fieldName: 'x', dataType: 'Double', defaultValue: '1.5' },
    ];
    for (const f of wrong) {
      const r = await post('collections/create', { collectionName: 'dv_wrong', schema: { fields: [pk, vec, f] } });
      expect(r.code, JSON.stringify(f)).toBe(1100);
      expect(r.message).toContain('convert defaultValue fail');
    }
    expect(((await post('collections/has', { collectionName: 'dv_wrong' })).data as { has: boolean }).has).toBe(false);

    expect((await post('collections/create', { collectionName: 'dv_add', schema: { fields: [pk, vec] } })).code).toBe(0);
    for (const f of wrong) {
      const r = await post('collections/fields/add', { collectionName: 'dv_add', schema: { ...f, nullable: true } });
      expect(r.code, JSON.stringify(f)).toBe(1100);
      expect(r.message).toContain('defaultValue');
    }
    // the right type passes the same path: the refusals above were about the type
    expect((await post('collections/fields/add', { collectionName: 'dv_add', schema: { fieldName: 'ok', dataType: 'Int64', nullable: true, defaultValue: 7 } })).code).toBe(0);
    const d = (await post('collections/describe', { collectionName: 'dv_add' })).data as { fields: Field[] };
    expect(d.fields.map((f) => f.name)).toEqual(['id', 'v', 'ok']);
    expect(d.fields[2]!.defaultValue).toEqual({ Data: { LongData: 7 } });
  });
});
