/**
 * Filters end to end through VesperClient: query, count, search and delete accept Milvus
 * filters (with template params) and agree with the naive reference evaluator of the filter
 * suite, on growing and sealed segments, with scalar indexes built on the sealed ones. Delete
 * by filter removes exactly the matching rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, Random, testSeed, type VesperClient } from '@vesper/core';
import { memoryDb } from '../fixtures/open.ts';
import { randomRows, testSchema, TEST_INDEXES, type Row } from '../expr/random-data.ts';
import { randomFilter } from '../expr/random-filter.ts';
import { referenceMatches } from '../expr/reference-evaluator.ts';

const seed = testSeed(process.env.VESPER_SEED);
const schema = testSchema(true);
const rows: Row[] = randomRows(new Random(seed), 300);
let db: VesperClient;

const fields = schema.fields.map((f) => ({
  name: f.name,
  data_type: f.data_type,
  is_primary_key: f.is_primary_key,
  nullable: f.nullable,
  ...(f.element_type !== undefined ? { element_type: f.element_type } : {}),
  ...(f.max_length !== undefined ? { max_length: f.max_length } : {}),
  ...(f.max_capacity !== undefined ? { max_capacity: f.max_capacity } : {}),
  ...(f.dim !== undefined ? { dim: f.dim } : {}),
}));

const idsOf = (matches: number[], from: Row[] = rows): string[] =>
  matches.map((i) => (from[i]!['id'] as bigint).toString()).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));

beforeAll(async () => {
  db = await memoryDb();
  await db.createCollection({ collection_name: 'f', fields: fields as never, enable_dynamic_field: true, index_params: { field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' } });
  for (const [field, type] of Object.entries(TEST_INDEXES)) await db.createIndex({ collection_name: 'f', field_name: field, index_type: type });
  await db.insert({ collection_name: 'f', data: rows.slice(0, 200) });
  await db.flush({ collection_names: ['f'] });
  await db.insert({ collection_name: 'f', data: rows.slice(200) });
  for (let i = 0; i < 300; i++) {
    const d = (await db.describeIndex({ collection_name: 'f' })).index_descriptions;
    if (d.every((x) => x.state === 'Finished')) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const states = (await db.describeIndex({ collection_name: 'f' })).index_descriptions.map((d) => [d.field_name, d.state, d.indexed_rows]);
  expect(states.every(([, s, n]) => s === 'Finished' && n === '200')).toBe(true);
}, 60_000);
afterAll(() => db.close());

describe(`filters through the client (seed ${seed})`, () => {
  it('query and count agree with the reference on random filters', async () => {
    const r = new Random(seed + 1);
    let nonEmpty = 0;
    for (let i = 0; i < 300; i++) {
      const { expr, params } = randomFilter(r, 2);
      const want = idsOf(referenceMatches(expr, schema, rows, params));
      const msg = `seed ${seed} filter ${expr} params ${JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
      const q = await db.query({ collection_name: 'f', filter: expr, filter_params: params, output_fields: ['id'], consistency_level: 'Strong' });
      expect(q.data.map((x) => x['id']), msg).toEqual(want);
      const c = await db.count({ collection_name: 'f', filter: expr, filter_params: params, consistency_level: 'Strong' });
      expect(c.data, msg).toBe(want.length);
      if (want.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(50);
  });

  it('search with a filter returns only matching rows, all of them when the limit allows', async () => {
    const r = new Random(seed + 2);
    for (let i = 0; i < 40; i++) {
      const { expr, params } = randomFilter(r, 2);
      const want = idsOf(referenceMatches(expr, schema, rows, params));
      const res = await db.search({ collection_name: 'f', anns_field: 'vec', data: [0.5, 0.5, 0.5, 0.5], limit: 400, filter: expr, filter_params: params, consistency_level: 'Strong' });
      const got = (res.results as { id: string }[]).map((h) => h.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(got, `seed ${seed} filter ${expr}`).toEqual(want);
    }
  });

  it('delete by filter removes exactly the matching rows', async () => {
    const r = new Random(seed + 3);
    let remaining = rows.map((_, i) => i);
    for (let i = 0; i < 6; i++) {
      const { expr, params } = randomFilter(r, 2);
      const live = remaining.map((j) => rows[j]!);
      const hit = new Set(referenceMatches(expr, schema, live, params).map((k) => remaining[k]!));
      const res = await db.delete({ collection_name: 'f', filter: expr, filter_params: params });
      expect(Number(res.delete_cnt), `seed ${seed} ${expr}`).toBe(hit.size);
      remaining = remaining.filter((j) => !hit.has(j));
      const left = await db.query({ collection_name: 'f', filter: 'id >= -1000000', output_fields: ['id'], consistency_level: 'Strong', limit: 16384 });
      expect(left.data.map((x) => x['id']), `seed ${seed} after delete ${expr}`).toEqual(idsOf(remaining));
    }
    expect(remaining.length).toBeLessThan(rows.length);
  });

  it('unsupported or bad filters are code 1100 and change nothing', async () => {
    const before = (await db.count({ collection_name: 'f', consistency_level: 'Strong' })).data;
    for (const bad of ['vec > 1', 'text_match(s, "x")', 'i8 >', 'nope_field_without_dynamic("x")', 's > 1', '{p} > 1']) {
      await expect(db.delete({ collection_name: 'f', filter: bad })).rejects.toMatchObject({ code: 1100 });
    }
    await expect(db.delete({ collection_name: 'f', filter: '' })).rejects.toMatchObject({ code: 1100 });
    expect((await db.count({ collection_name: 'f', consistency_level: 'Strong' })).data).toBe(before);
    void DataType;
  });
});
