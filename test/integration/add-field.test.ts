/**
 * addCollectionField (Milvus 2.6) in Node, in memory and on files: rows written before the add
 * (sealed files, growing segments, WAL records) read the new field's default value, else null;
 * new rows carry it; filters, outputs, searches, flush, compaction and a reopen agree with a
 * model kept here. Milvus's refusals (not nullable, keys, vectors, duplicates) are 1100 and
 * change nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Random, testSeed, type VesperClient } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';
import { cleanup, rejectsWithCode, tempDir } from '../fixtures/open.ts';

afterAll(cleanup);

const seed = testSeed(process.env.VESPER_SEED);
const C = 'notes';
const STRONG = { collection_name: C, consistency_level: 'Strong' as const };
const policy = { maxRows: 60, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 1000, compactDeletedRatio: 0.1 };
type Row = { id: number; vec: number[]; tag: string; score?: number | null; note?: string | null };

function rows(rng: Random, from: number, n: number, withNew: boolean): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const r: Row = { id: from + i, vec: [rng.next(), rng.next(), rng.next(), rng.next()], tag: ['a', 'b', 'c'][rng.int(3)]! };
    if (withNew) {
      // some rows leave the new fields out, some set null, the rest set values
      const k = rng.int(3);
      if (k === 1) Object.assign(r, { score: null, note: null });
      if (k === 2) Object.assign(r, { score: rng.int(20), note: `n${rng.int(5)}` });
    }
    return r;
  });
}

/** What a read must answer for a row: the default for score when absent or null, null for note. */
function expected(r: Row): { id: number; tag: string; score: number; note: string | null } {
  return { id: r.id, tag: r.tag, score: r.score ?? 7, note: r.note ?? null };
}

async function create(db: VesperClient): Promise<void> {
  await db.createCollection({
    collection_name: C,
    shards_num: 2,
    fields: [
      { name: 'id', data_type: 'Int64', is_primary_key: true },
      { name: 'vec', data_type: 'FloatVector', dim: 4 },
      { name: 'tag', data_type: 'VarChar', max_length: 8 },
    ],
  });
  await db.createIndex({ collection_name: C, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' });
  await db.loadCollection({ collection_name: C });
}

async function addFields(db: VesperClient): Promise<void> {
  await db.addCollectionField({ collection_name: C, field: { name: 'score', data_type: 'Int32', nullable: true, default_value: 7 } });
  await db.addCollectionField({ collection_name: C, field: { name: 'note', data_type: 'VarChar', max_length: 16, nullable: true } });
}

/** Every read the test compares against the model. */
async function check(db: VesperClient, model: Map<number, Row>, what: string): Promise<void> {
  const want = [...model.values()].map(expected).sort((a, b) => a.id - b.id);
  const all = await db.query({ ...STRONG, filter: 'id >= 0', output_fields: ['tag', 'score', 'note'], limit: 16384 });
  const got = (all.data as { id: number; tag: string; score: number; note: string | null }[]).map((r) => ({ id: Number(r.id), tag: r.tag, score: r.score, note: r.note }));
  expect(got.sort((a, b) => a.id - b.id), `${what}: all rows (seed ${seed})`).toEqual(want);
  const count = async (filter: string): Promise<number> => Number((await db.count({ ...STRONG, filter })).data);
  expect(await count('score == 7'), `${what}: score == 7`).toBe(want.filter((r) => r.score === 7).length);
  expect(await count('note is null'), `${what}: note is null`).toBe(want.filter((r) => r.note === null).length);
  expect(await count('note == "n1" or score > 10'), `${what}: or`).toBe(want.filter((r) => r.note === 'n1' || r.score > 10).length);
  const res = await db.search({ ...STRONG, data: [0.5, 0.5, 0.5, 0.5], limit: 10, filter: 'score != 7', output_fields: ['score', 'note'] });
  const hits = res.results as unknown as { id: number; score: number; note: string | null }[];
  const byId = new Map(want.map((r) => [r.id, r]));
  expect(hits.length, `${what}: search hits`).toBe(Math.min(10, want.filter((r) => r.score !== 7).length));
  for (const h of hits) {
    const w = byId.get(Number(h.id))!;
    expect(w.score, `${what}: search filter`).not.toBe(7);
    expect(h.note, `${what}: search output`).toBe(w.note);
  }
}

describe(`addCollectionField (seed ${seed})`, () => {
  it('in memory: old rows read the default or null; new rows carry the field; flush and compaction keep it', async () => {
    const rng = new Random(seed);
    const db = await openDatabase({ sealPolicy: policy });
    await create(db);
    const model = new Map<number, Row>();
    const put = async (rs: Row[]): Promise<void> => {
      await db.insert({ collection_name: C, data: rs });
      for (const r of rs) model.set(r.id, r);
    };
    await put(rows(rng, 0, 150, false)); // sealed by the policy, and some growing
    await db.flush({ collection_names: [C] });
    await put(rows(rng, 150, 30, false)); // growing only
    await addFields(db);
    const d = await db.describeCollection({ collection_name: C });
    const fields = (d.schema as { fields: { name: string; nullable: boolean; default_value?: unknown }[] }).fields;
    expect(fields.map((f) => f.name)).toEqual(['id', 'vec', 'tag', 'score', 'note']);
    await check(db, model, 'after add');
    await put(rows(rng, 180, 90, true));
    await db.upsert({ collection_name: C, data: [{ id: 3, vec: [0, 0, 0, 0], tag: 'z', score: 19, note: 'up' }] });
    model.set(3, { id: 3, vec: [0, 0, 0, 0], tag: 'z', score: 19, note: 'up' });
    await check(db, model, 'after new rows');
    await db.flush({ collection_names: [C] });
    await check(db, model, 'after flush');
    const { compactionID } = await db.compact({ collection_name: C });
    for (let i = 0; i < 500 && (await db.getCompactionState({ compactionID })).state !== 'Completed'; i++) await new Promise((r) => setTimeout(r, 10));
    await check(db, model, 'after compaction');
    await db.close();
  });

  it('on files: a reopen replays WAL records and opens sealed files written before the add', async () => {
    const rng = new Random(seed + 1);
    const dir = await tempDir();
    let db = await openDatabase({ path: dir, sealPolicy: policy });
    await create(db);
    const model = new Map<number, Row>();
    const put = async (rs: Row[]): Promise<void> => {
      await db.insert({ collection_name: C, data: rs });
      for (const r of rs) model.set(r.id, r);
    };
    await put(rows(rng, 0, 130, false));
    await db.flush({ collection_names: [C] });
    await put(rows(rng, 130, 20, false)); // only in the WAL
    await addFields(db);
    await put(rows(rng, 150, 40, true)); // WAL records with the new fields
    await db.close();
    db = await openDatabase({ path: dir, sealPolicy: policy });
    await db.loadCollection({ collection_name: C });
    await check(db, model, 'after reopen');
    await put(rows(rng, 190, 40, true));
    await db.flush({ collection_names: [C] });
    await db.close();
    db = await openDatabase({ path: dir, sealPolicy: policy });
    await db.loadCollection({ collection_name: C });
    await check(db, model, 'after flush and second reopen');
    await db.close();
  });

  it("refuses what Milvus refuses, with 1100, and changes nothing", async () => {
    const db = await openDatabase();
    await create(db);
    const add = (field: Record<string, unknown>) => db.addCollectionField({ collection_name: C, field: field as never });
    const e1 = await rejectsWithCode(add({ name: 'x', data_type: 'Int64' }), 1100);
    expect(e1.message).toContain('added field must be nullable, please check it, field name = x');
    expect((await rejectsWithCode(add({ name: 'x', data_type: 'Int64', nullable: true, is_partition_key: true }), 1100)).message).toContain('partition key');
    expect((await rejectsWithCode(add({ name: 'x', data_type: 'Int64', nullable: true, is_primary_key: true }), 1100)).message).toContain('primary key');
    expect((await rejectsWithCode(add({ name: 'x', data_type: 'FloatVector', dim: 4, nullable: true }), 1100)).message).toContain('vector field');
    expect((await rejectsWithCode(add({ name: 'tag', data_type: 'VarChar', max_length: 4, nullable: true }), 1100)).message).toContain('duplicated field name tag');
    await rejectsWithCode(add({ name: 'x', data_type: 'VarChar', nullable: true }), 105);
    expect((await rejectsWithCode(add({ name: 'x', data_type: 'Int64', nullable: true, mmap_enabled: true }), 1100)).message).toContain('mmap_enabled');
    await rejectsWithCode(db.addCollectionField({ collection_name: 'nope', field: { name: 'x', data_type: 'Int64', nullable: true } }), 100);
    const d = await db.describeCollection({ collection_name: C });
    expect((d.schema as { fields: unknown[] }).fields).toHaveLength(3);
    await db.close();
  });
});
