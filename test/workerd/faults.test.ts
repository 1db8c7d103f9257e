/**
 * Faults in workerd: every Durable Object — the database's CatalogCoordinator, the collection's
 * ShardLeaders (WAL, growing segments) and QueryNodes — is aborted (instances reset, SQLite
 * storage and R2 kept: what an eviction or a crash leaves) in the middle of a burst of inserts
 * and in the middle of a flush (seal). distributed.test.ts resets one leader or one query node. Invariant 1: every acknowledged write is there after
 * the restart, nothing unacknowledged is invented, and searches answer the same before and
 * after a further restart.
 */
import { abortAllDurableObjects } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Random } from '../../packages/core/src/util/random.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const ROOT = { Authorization: 'Bearer root:Milvus' };
const seed = workerdSeed();
const rng = new Random(seed);
const DIM = 4;

type Reply = { code: number; message?: string; data?: unknown };
async function post(path: string, body: unknown): Promise<Reply> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: ROOT, body: JSON.stringify(body) });
  return (await res.json()) as Reply;
}
const ok = async (path: string, body: unknown): Promise<unknown> => {
  const r = await post(path, body);
  expect(r.code, `${path}: ${r.message}`).toBe(0);
  return r.data;
};

const vec = (): number[] => randomVector(rng, DIM);
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i, vector: vec() }));

async function idsIn(collectionName: string): Promise<Set<number>> {
  const rows = (await ok('entities/query', { collectionName, filter: 'id >= 0', outputFields: ['id'], limit: 16384, consistencyLevel: 'Strong' })) as { id: string }[];
  return new Set(rows.map((r) => Number(r.id)));
}

async function top1(collectionName: string, probes: { id: number; vector: number[] }[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of probes) {
    const hits = (await ok('entities/search', { collectionName, data: [p.vector], limit: 1, consistencyLevel: 'Strong' })) as { id: string }[];
    out.push(hits[0]?.id ?? '');
  }
  return out;
}

describe(`database DO aborted mid-write (seed ${seed})`, () => {
  it('loses no acknowledged insert when aborted mid-burst', async () => {
    await ok('collections/create', { collectionName: 'burst', dimension: DIM, metricType: 'L2' });
    const batches = Array.from({ length: 16 }, (_, b) => batch(b * 100, 40));
    const sent = batches.map((rows) => post('entities/insert', { collectionName: 'burst', data: rows }).catch((e: unknown) => ({ code: -1, message: String(e) })));
    await sent[3];
    await abortAllDurableObjects();
    const replies = await Promise.all(sent);
    const acked = batches.filter((_, i) => replies[i]!.code === 0).flat();
    // Calls cut off by the abort answer a system error (2 unavailable, 5 internal), never a wrong result.
    for (const r of replies) expect([0, 2, 5], r.message).toContain(r.code);
    const submitted = new Set(batches.flat().map((r) => r.id));
    expect(acked.length).toBeGreaterThan(0);
    const after = await idsIn('burst');
    for (const r of acked) expect(after.has(r.id), `acknowledged id ${r.id} lost`).toBe(true);
    for (const id of after) expect(submitted.has(id)).toBe(true);
    const probes = acked.filter((_, i) => i % 97 === 0);
    const before = await top1('burst', probes);
    expect(before).toEqual(probes.map((p) => p.id));
    await abortAllDurableObjects();
    expect(await idsIn('burst')).toEqual(after);
    expect(await top1('burst', probes)).toEqual(before);
  });

  it('loses nothing when aborted mid-flush, and flushes cleanly after', async () => {
    await ok('collections/create', { collectionName: 'sealme', dimension: DIM, metricType: 'L2' });
    const rows = batch(0, 600);
    for (let i = 0; i < rows.length; i += 200) await ok('entities/insert', { collectionName: 'sealme', data: rows.slice(i, i + 200) });
    const flushing = post('collections/flush', { collectionName: 'sealme' }).catch(() => ({ code: -1 }));
    await new Promise((r) => setTimeout(r, 1));
    await abortAllDurableObjects();
    await flushing;
    const probes = rows.filter((_, i) => i % 61 === 0);
    expect(await idsIn('sealme')).toEqual(new Set(rows.map((r) => r.id)));
    const first = await top1('sealme', probes);
    expect(first).toEqual(probes.map((p) => p.id));
    await ok('collections/flush', { collectionName: 'sealme' });
    await abortAllDurableObjects();
    expect(await idsIn('sealme')).toEqual(new Set(rows.map((r) => r.id)));
    expect(await top1('sealme', probes)).toEqual(first);
    expect(await ok('collections/get_stats', { collectionName: 'sealme' })).toEqual({ rowCount: rows.length });
  });

  it('resumes an import job interrupted by an abort, without duplicates', async () => {
    const rows = batch(50_000, 6500);
    await env.BUCKET.put('imports/fault.json', JSON.stringify({ rows }));
    await ok('collections/create', { collectionName: 'imported', dimension: DIM, metricType: 'L2' });
    const { jobId } = (await ok('jobs/import/create', { collectionName: 'imported', files: [['imports/fault.json']] })) as { jobId: string };
    const progress = () => ok('jobs/import/get_progress', { jobId }) as Promise<{ state: string; importedRows: number; totalRows: number }>;
    for (let i = 0; i < 200 && (await progress()).importedRows === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const atAbort = await progress();
    await abortAllDurableObjects();
    expect(atAbort.state).not.toBe('Failed'); // usually Importing: one chunk runs per alarm
    let p = await progress();
    for (let i = 0; i < 400 && p.state !== 'Completed' && p.state !== 'Failed'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      p = await progress();
    }
    expect(p).toMatchObject({ state: 'Completed', importedRows: rows.length, totalRows: rows.length });
    expect(await idsIn('imported')).toEqual(new Set(rows.map((r) => r.id)));
    expect(await ok('entities/query', { collectionName: 'imported', outputFields: ['count(*)'], consistencyLevel: 'Strong' })).toEqual([{ 'count(*)': rows.length }]);
  });
});
