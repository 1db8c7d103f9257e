/**
 * Durability under injected storage faults. A fault-injecting adapter (an adapter around
 * the memory adapters, not a mock) fails single calls or "crashes" — every call after the
 * nth fails — at seeded random points of a random workload (inserts, upserts, deletes,
 * flushes, compactions). Reopening over the surviving storage must show every acknowledged
 * write and no acknowledged delete; a batch that was not acknowledged is either entirely
 * there or entirely absent (single-shard collections, where a batch is one WAL record).
 */
import { describe, expect, it } from 'vitest';
import { FaultInjectingStorage, Random, VesperClient, createMemoryStorage, testSeed } from '@vesper/core';
import { loadKernelsNode } from '@vesper/core/node';

const policy = { maxRows: 60, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 100, compactDeletedRatio: 0.1 };

interface Model {
  /** pk -> version of the acknowledged latest write (undefined = acknowledged delete) */
  acked: Map<number, number | undefined>;
  /** the batch in flight when the crash hit: pk -> version it would write (-1 = delete) */
  pending: Map<number, number> | undefined;
}

async function workload(db: VesperClient, rng: Random, model: Model): Promise<void> {
  let next = 0;
  let version = 0;
  const live = (): number[] => [...model.acked].filter(([, v]) => v !== undefined).map(([k]) => k);
  for (let step = 0; step < 60; step++) {
    const op = rng.next();
    version++;
    if (op < 0.45 || live().length < 5) {
      const pks = Array.from({ length: rng.range(1, 25) }, () => next++);
      model.pending = new Map(pks.map((k) => [k, version]));
      await db.insert({ collection_name: 'c', data: pks.map((id) => ({ id, vector: [id, version, 1, 0], ver: version })) });
    } else if (op < 0.65) {
      const pks = [...new Set(Array.from({ length: rng.range(1, 8) }, () => rng.pick(live())))];
      model.pending = new Map(pks.map((k) => [k, version]));
      await db.upsert({ collection_name: 'c', data: pks.map((id) => ({ id, vector: [id, version, 2, 0], ver: version })) });
    } else if (op < 0.85) {
      const pks = [...new Set(Array.from({ length: rng.range(1, 6) }, () => rng.pick(live())))];
      model.pending = new Map(pks.map((k) => [k, -1]));
      if (rng.bool()) await db.delete({ collection_name: 'c', ids: pks });
      else await db.delete({ collection_name: 'c', filter: `id in [${pks.join(',')}]` });
    } else if (op < 0.95) {
      model.pending = undefined;
      await db.flush({ collection_names: ['c'] });
      continue;
    } else {
      model.pending = undefined;
      await db.compact({ collection_name: 'c' });
      continue;
    }
    for (const [k, v] of model.pending) model.acked.set(k, v === -1 ? undefined : v);
    model.pending = undefined;
  }
}

async function readAll(db: VesperClient): Promise<Map<number, number>> {
  const res = await db.query({ collection_name: 'c', filter: 'id >= 0', output_fields: ['ver'], consistency_level: 'Strong' });
  return new Map(res.data.map((r) => [Number(r['id']), r['ver'] as number]));
}

async function trial(seed: number, shards: number): Promise<void> {
  const rng = new Random(seed);
  const inner = createMemoryStorage();
  const faulty = new FaultInjectingStorage(inner);
  const db = await VesperClient.open({ storage: faulty, sealPolicy: policy, onBackgroundError: () => undefined });
  await db.createCollection({ collection_name: 'c', dimension: 4, metric_type: 'L2', shards_num: shards });
  const model: Model = { acked: new Map(), pending: undefined };
  faulty.crashAfter({}, { nth: rng.range(5, 400), failCall: rng.bool() });
  try {
    await workload(db, rng, model);
  } catch (e) {
    expect((e as { code?: number }).code, `seed ${seed}: ${String(e)}`).toBe(1000);
  }
  faulty.crash('end of trial');
  await db.close().catch(() => undefined);
  const reopened = await VesperClient.open({ storage: inner });
  const got = await readAll(reopened);
  const msg = `seed ${seed} shards ${shards}`;
  for (const [k, v] of model.acked) {
    if (model.pending?.has(k)) continue;
    expect(got.get(k), `${msg}: pk ${k}`).toBe(v);
  }
  for (const k of got.keys()) expect(model.acked.has(k) || model.pending?.has(k), `${msg}: unexpected pk ${k}`).toBe(true);
  if (model.pending && shards === 1) {
    const applied = [...model.pending].map(([k, v]) => (v === -1 ? !got.has(k) : got.get(k) === v));
    const changed = [...model.pending].map(([k, v]) => (v === -1 ? !got.has(k) && model.acked.get(k) !== undefined : got.get(k) === v));
    // all-or-nothing: either every key shows the pending write, or none of the keys changed
    expect(applied.every(Boolean) || !changed.some(Boolean), `${msg}: partial batch ${JSON.stringify([...model.pending])}`).toBe(true);
  }
  // the reopened database keeps working
  await reopened.insert({ collection_name: 'c', data: [{ id: 1_000_000, vector: [0, 0, 0, 1], ver: 0 }] });
  expect((await readAll(reopened)).has(1_000_000)).toBe(true);
  await reopened.close();
}

describe('crash at random points', () => {
  const base = testSeed(process.env.VESPER_SEED);
  it(`single shard: acknowledged writes survive, no partial batch (seeds ${base}..+40)`, async () => {
    await loadKernelsNode();
    for (let i = 0; i < 40; i++) await trial(base + i, 1);
  }, 120_000);
  it(`two shards: acknowledged writes survive (seeds ${base}..+20)`, async () => {
    for (let i = 0; i < 20; i++) await trial(base + 1000 + i, 2);
  }, 120_000);
});

describe('single failed calls', () => {
  it('a failed WAL append rejects the write (retriable 1000) and stores nothing', async () => {
    await loadKernelsNode();
    const faulty = new FaultInjectingStorage(createMemoryStorage());
    const db = await VesperClient.open({ storage: faulty });
    await db.createCollection({ collection_name: 'c', dimension: 4 });
    faulty.failNext({ adapter: 'wal', method: 'append' });
    await expect(db.insert({ collection_name: 'c', data: [{ id: 1, vector: [1, 2, 3, 4] }] })).rejects.toMatchObject({ code: 1000, retriable: true });
    expect((await db.count({ collection_name: 'c', consistency_level: 'Strong' })).data).toBe(0);
    await db.insert({ collection_name: 'c', data: [{ id: 1, vector: [1, 2, 3, 4] }] });
    expect((await db.count({ collection_name: 'c', consistency_level: 'Strong' })).data).toBe(1);
    await db.close();
  });

  it('a failed flush (segment file or manifest write) changes nothing and can be retried', async () => {
    const inner = createMemoryStorage();
    const faulty = new FaultInjectingStorage(inner);
    const db = await VesperClient.open({ storage: faulty });
    await db.createCollection({ collection_name: 'c', dimension: 4 });
    await db.insert({ collection_name: 'c', data: [{ id: 1, vector: [1, 2, 3, 4] }, { id: 2, vector: [4, 3, 2, 1] }] });
    for (const key of [/insert\.arrow$/, /manifest/]) {
      faulty.failNext({ adapter: 'objects', method: 'put', key });
      await expect(db.flush({ collection_names: ['c'] })).rejects.toMatchObject({ code: 1000 });
      expect((await db.count({ collection_name: 'c', consistency_level: 'Strong' })).data).toBe(2);
    }
    await db.flush({ collection_names: ['c'] });
    await db.close();
    const again = await VesperClient.open({ storage: inner });
    expect((await again.count({ collection_name: 'c', consistency_level: 'Strong' })).data).toBe(2);
    const files = (await inner.objects.list('')).map((o) => o.key);
    expect(files.filter((k) => k.endsWith('insert.arrow')).length).toBeGreaterThanOrEqual(1);
    await again.close();
  });

  it('an index build that failed (file write) resumes when the collection reopens', async () => {
    const inner = createMemoryStorage();
    const faulty = new FaultInjectingStorage(inner);
    const db = await VesperClient.open({ storage: faulty, onBackgroundError: () => undefined });
    await db.createCollection({ collection_name: 'c', dimension: 4, metric_type: 'L2' });
    await db.insert({ collection_name: 'c', data: Array.from({ length: 50 }, (_, id) => ({ id, vector: [id, 1, 2, 3] })) });
    faulty.failOn({ adapter: 'objects', method: 'put', key: /index-/ });
    await db.flush({ collection_names: ['c'] });
    await new Promise((r) => setTimeout(r, 50));
    const stuck = (await db.describeIndex({ collection_name: 'c' })).index_descriptions[0]!;
    expect(stuck).toMatchObject({ state: 'InProgress', indexed_rows: '0', pending_index_rows: '50' });
    await db.close();
    const again = await VesperClient.open({ storage: inner });
    await again.loadCollection({ collection_name: 'c' });
    let d = (await again.describeIndex({ collection_name: 'c' })).index_descriptions[0]!;
    for (let i = 0; i < 100 && d.state !== 'Finished'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      d = (await again.describeIndex({ collection_name: 'c' })).index_descriptions[0]!;
    }
    expect(d).toMatchObject({ state: 'Finished', indexed_rows: '50' });
    await again.close();
  });
});
